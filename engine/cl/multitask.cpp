// multitask: all tasks at once in a single stage, with the training budget of the whole sequence.
// Not continual: it is the upper bound the continual strategies are measured against.
#include "engine/cl/learner.h"

namespace sy {
namespace {

// The sequence's whole step budget in its one stage.
StrategySpec joint_budget(StrategySpec spec, const ClContext& ctx) {
  spec.training.steps *= static_cast<int64_t>(ctx.tasks->size());
  return spec;
}

class Multitask : public LearnerStrategy {
 public:
  Multitask(const StrategySpec& spec, ClContext& ctx)
      : LearnerStrategy(ctx, joint_budget(spec, ctx)), spec_(spec), ctx_(ctx) {}

  void learn(size_t) override {
    std::vector<Example> all;
    for (const auto& task : *ctx_.tasks)
      all.insert(all.end(), task.train.begin(), task.train.end());
    learner_.train_on(all, 0, spec_.label + " all tasks");
  }

 private:
  StrategySpec spec_;
  ClContext& ctx_;
};

}  // namespace

std::unique_ptr<Strategy> make_multitask(const StrategySpec& spec, ClContext& ctx) {
  return std::make_unique<Multitask>(spec, ctx);
}

}  // namespace sy
