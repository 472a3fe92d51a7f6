// The learner. A full fine-tune works on a fresh copy loaded from the base model's folder, so the
// shared base (and every adapter on it) is never touched.
#include "engine/cl/learner.h"

#include <atomic>

#include <torch/utils.h>

#include "engine/cl/run_seeds.h"
#include "engine/model/adapter_io.h"
#include "engine/util/error.h"

namespace sy {

Learner::Learner(ClContext& ctx, const StrategySpec& spec)
    : ctx_(ctx), spec_(spec), options_(spec.training) {
  torch::manual_seed(ctx.seed);
  if (spec.use_lora) {
    static std::atomic<int> counter{0};
    adapter_name_ = spec.name + "-" + std::to_string(counter++);
    adapter_ = ctx.base->model->add_adapter(adapter_name_, spec.lora);
  } else {
    // Its own FP32 copy whatever the shared base's dtype: every weight trains.
    copy_ = load_model(ctx.base_model_dir, WeightsDtype::FP32);
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
  o.seed = stage_seed(ctx_.seed, stage);
  const TrainTarget target =
      spec_.use_lora ? adapter_target(model(), adapter_) : full_finetune_target(model());
  expert_key_.clear();
  trained_ = true;
  train_stage(ctx_, model(), target, examples, o, what);
}

void Learner::train_on_task(size_t task, size_t stage, const std::string& what) {
  if (!spec_.use_lora || trained_ || stage != task) {
    train_on((*ctx_.tasks)[task].train, stage, what);
    return;
  }
  const Expert expert = ctx_.bank->expert(ctx_, task, spec_.lora, options_, what);
  set_adapter_tensors(model(), adapter_, adapter_tensors(model(), expert.adapter),
                      "the expert of " + (*ctx_.tasks)[task].name);
  expert_key_ = expert.key;
  trained_ = true;
}

NamedTensors Learner::state() {
  if (spec_.use_lora) return adapter_tensors(model(), adapter_);
  NamedTensors out;
  for (const auto& p : model()->named_parameters()) out[p.key()] = p.value().detach();
  return out;
}

void Learner::restore(const NamedTensors& state) {
  expert_key_.clear();
  trained_ = true;
  const std::string source = "the checkpoint of " + spec_.label;
  if (spec_.use_lora) {
    set_adapter_tensors(model(), adapter_, state, source);
    return;
  }
  torch::NoGradGuard no_grad;
  const auto params = model()->named_parameters();
  if (params.size() != state.size()) {
    throw Error(source + " holds " + std::to_string(state.size()) + " tensors; expected " +
                std::to_string(params.size()));
  }
  for (const auto& p : params) {
    auto it = state.find(p.key());
    if (it == state.end()) throw Error(source + ": tensor \"" + p.key() + "\" is missing");
    if (it->second.sizes() != p.value().sizes()) {
      throw Error(source + ": tensor \"" + p.key() + "\" has shape " +
                  c10::str(it->second.sizes()) + "; expected " + c10::str(p.value().sizes()));
    }
    p.value().copy_(it->second.to(p.value().scalar_type()));
  }
}

std::optional<AdapterId> Learner::adapter() const {
  if (!spec_.use_lora) return std::nullopt;
  return adapter_;
}

std::string Learner::ask(const Example& request) {
  return answer_one(ctx_, model(), adapter_, request);
}

Reply LearnerStrategy::ask(const Example& request, std::optional<size_t> adapter) {
  if (adapter) {
    throw Error(
        "this run keeps one set of weights for every task; it has no per-task adapter "
        "to choose");
  }
  Reply reply;
  reply.answer = learner_.ask(request);
  return reply;
}

std::vector<std::string> Learner::answer(size_t task) {
  if (!expert_key_.empty()) {
    return answer_fixed(ctx_, expert_key_, adapter_, task, all_test_indices(ctx_, task));
  }
  return answer_with(ctx_, *ctx_.base->tokenizer, model(), adapter_, task,
                     all_test_indices(ctx_, task));
}

}  // namespace sy
