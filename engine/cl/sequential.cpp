// seq-ft and seq-lora: train on each task in turn, nothing else — the baselines that forget.
// seq-ft fine-tunes the whole model; seq-lora one adapter that every new task overwrites.
#include "engine/cl/learner.h"

namespace sy {
namespace {

class Sequential : public Strategy {
 public:
  Sequential(const StrategySpec& spec, ClContext& ctx)
      : spec_(spec), ctx_(ctx), learner_(ctx, spec) {}

  void learn(size_t stage) override {
    learner_.train_on((*ctx_.tasks)[stage].train, stage,
                      spec_.label + " " + (*ctx_.tasks)[stage].name);
  }
  std::vector<std::string> answer(size_t task) override { return learner_.answer(task); }
  NamedTensors state() override { return learner_.state(); }
  void restore(size_t, const NamedTensors& state) override { learner_.restore(state); }
  std::optional<AdapterId> stage_adapter(size_t) override { return learner_.adapter(); }

 private:
  StrategySpec spec_;
  ClContext& ctx_;
  Learner learner_;
};

}  // namespace

std::unique_ptr<Strategy> make_seq_ft(const StrategySpec& spec, ClContext& ctx) {
  return std::make_unique<Sequential>(spec, ctx);
}

std::unique_ptr<Strategy> make_seq_lora(const StrategySpec& spec, ClContext& ctx) {
  return std::make_unique<Sequential>(spec, ctx);
}

}  // namespace sy
