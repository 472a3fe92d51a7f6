// The learner. A full fine-tune works on a fresh copy loaded from the base model's folder, so the
// shared base (and every adapter on it) is never touched.
#include "engine/cl/learner.h"

#include <atomic>

#include <torch/utils.h>

namespace sy {

Learner::Learner(ClContext& ctx, const StrategySpec& spec)
    : ctx_(ctx), spec_(spec), options_(spec.training) {
  torch::manual_seed(ctx.seed);
  if (spec.use_lora) {
    static std::atomic<int> counter{0};
    adapter_name_ = spec.name + "-" + std::to_string(counter++);
    adapter_ = ctx.base->model->add_adapter(adapter_name_, spec.lora);
  } else {
    copy_ = load_model(ctx.base_model_dir);
    copy_.model->to(ctx.device);
  }
}

Learner::~Learner() {
  if (!adapter_name_.empty()) ctx_.base->model->remove_adapter(adapter_name_);
}

TransformerLM& Learner::model() {
  return spec_.use_lora ? ctx_.base->model : copy_.model;
}

void Learner::train_on(const std::vector<Example>& examples, size_t stage,
                       const std::string& what) {
  TrainOptions o = options_;
  o.seed = ctx_.seed * 1000 + stage;
  const TrainTarget target =
      spec_.use_lora ? adapter_target(model(), adapter_) : full_finetune_target(model());
  train_stage(ctx_, model(), target, examples, o, what);
}

std::vector<std::string> Learner::answer(size_t task) {
  return answer_with(ctx_, *ctx_.base->tokenizer, model(), adapter_, task,
                     all_test_indices(ctx_, task));
}

}  // namespace sy
