// seq-ft and seq-lora: train on each task in turn, nothing else — the baselines that forget.
// seq-ft fine-tunes the whole model; seq-lora one adapter that every new task overwrites.
#include "engine/cl/learner.h"

namespace sy {
namespace {

class Sequential : public LearnerStrategy {
 public:
  Sequential(const StrategySpec& spec, ClContext& ctx)
      : LearnerStrategy(ctx, spec), spec_(spec), ctx_(ctx) {}

  void learn(size_t stage) override {
    learner_.train_on_task(stage, stage, spec_.label + " " + (*ctx_.tasks)[stage].name);
  }

 private:
  StrategySpec spec_;
  ClContext& ctx_;
};

}  // namespace

std::unique_ptr<Strategy> make_seq_ft(const StrategySpec& spec, ClContext& ctx) {
  return std::make_unique<Sequential>(spec, ctx);
}

std::unique_ptr<Strategy> make_seq_lora(const StrategySpec& spec, ClContext& ctx) {
  return std::make_unique<Sequential>(spec, ctx);
}

}  // namespace sy
