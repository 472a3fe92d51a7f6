// oracle: a fresh LoRA expert per task from the frozen base, and the true task given at inference.
// SwitchCIT with a perfect switch: its ceiling. Unseen tasks are answered by the base model.
#include "engine/cl/strategy.h"

namespace sy {
namespace {

class Oracle : public Strategy {
 public:
  Oracle(const StrategySpec& spec, ClContext& ctx) : spec_(spec), ctx_(ctx) {}

  void learn(size_t stage) override {
    experts_.resize(stage + 1);
    experts_[stage] = ctx_.bank->expert(ctx_, stage, spec_.lora, spec_.training);
  }

  NamedTensors state() override { return experts_state(ctx_, experts_); }
  void restore(size_t stages_done, const NamedTensors& state) override {
    experts_ = restore_experts(ctx_, stages_done, spec_, state);
  }
  std::optional<AdapterId> stage_adapter(size_t stage) override {
    return experts_.at(stage).adapter;
  }

  Reply ask(const Example& request, std::optional<size_t> adapter) override {
    return ask_expert(ctx_, experts_, request, adapter, std::nullopt);
  }
  std::vector<size_t> task_adapters() const override { return expert_positions(experts_); }

  std::vector<std::string> answer(size_t task) override {
    const auto indices = all_test_indices(ctx_, task);
    if (task < experts_.size()) {
      return answer_fixed(ctx_, experts_[task].key, experts_[task].adapter, task, indices);
    }
    return answer_fixed(ctx_, "base", kNoAdapter, task, indices);
  }

 private:
  StrategySpec spec_;
  ClContext& ctx_;
  std::vector<Expert> experts_;
};

}  // namespace

std::unique_ptr<Strategy> make_oracle(const StrategySpec& spec, ClContext& ctx) {
  return std::make_unique<Oracle>(spec, ctx);
}

}  // namespace sy
