// multitask: all tasks at once in a single stage, with the training budget of the whole sequence.
// Not continual: it is the upper bound the continual strategies are measured against.
#include "engine/cl/learner.h"

namespace sy {
namespace {

class Multitask : public Strategy {
 public:
  Multitask(const StrategySpec& spec, ClContext& ctx) : spec_(spec), ctx_(ctx) {
    spec_.training.steps *= static_cast<int64_t>(ctx.tasks->size());
    learner_ = std::make_unique<Learner>(ctx, spec_);
  }

  size_t stages(size_t) const override { return 1; }

  void learn(size_t) override {
    std::vector<Example> all;
    for (const auto& task : *ctx_.tasks)
      all.insert(all.end(), task.train.begin(), task.train.end());
    learner_->train_on(all, 0, spec_.label + " all tasks");
  }
  std::vector<std::string> answer(size_t task) override { return learner_->answer(task); }
  NamedTensors state() override { return learner_->state(); }
  void restore(size_t, const NamedTensors& state) override { learner_->restore(state); }
  std::optional<AdapterId> stage_adapter(size_t) override { return learner_->adapter(); }

 private:
  StrategySpec spec_;
  ClContext& ctx_;
  std::unique_ptr<Learner> learner_;
};

}  // namespace

std::unique_ptr<Strategy> make_multitask(const StrategySpec& spec, ClContext& ctx) {
  return std::make_unique<Multitask>(spec, ctx);
}

}  // namespace sy
