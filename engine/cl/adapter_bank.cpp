// The adapter bank.
#include "engine/cl/adapter_bank.h"

#include <sstream>

#include <torch/utils.h>

#include "engine/cl/strategy.h"

namespace sy {

Expert AdapterBank::expert(ClContext& ctx, size_t task, const LoraSpec& spec,
                           const TrainOptions& options) {
  std::ostringstream key;
  key << "expert:" << (*ctx.tasks)[task].name << ":seed" << ctx.seed << ":r" << spec.rank << ":a"
      << spec.alpha << ":d" << spec.dropout << ":steps" << options.steps << ":bs"
      << options.batch_size << "x" << options.grad_accum << ":lr" << options.lr << ":"
      << lr_schedule_name(options.schedule) << options.warmup_steps;
  for (const auto& t : spec.target_modules) key << ":" << t;
  auto it = experts_.find(key.str());
  if (it != experts_.end()) return it->second;

  Expert e;
  e.key = key.str();
  const std::string name = "expert" + std::to_string(experts_.size());
  torch::manual_seed(ctx.seed * 1000 + task);  // the adapter's initial A
  TransformerLM& model = ctx.base->model;
  e.adapter = model->add_adapter(name, spec);
  TrainOptions o = options;
  o.seed = ctx.seed * 1000 + task;
  try {
    train_stage(ctx, model, adapter_target(model, e.adapter), (*ctx.tasks)[task].train, o,
                "expert " + (*ctx.tasks)[task].name);
  } catch (...) {
    model->remove_adapter(name);  // a half-trained expert must never be reused
    throw;
  }
  experts_[e.key] = e;
  return e;
}

}  // namespace sy
