// The adapter bank.
#include "engine/cl/adapter_bank.h"

#include <sstream>

#include <torch/utils.h>

#include "engine/cl/run_seeds.h"
#include "engine/cl/strategy.h"
#include "engine/model/adapter_io.h"

namespace sy {

std::string AdapterBank::key(const std::string& task, uint64_t seed, const LoraSpec& spec,
                             const TrainOptions& options) {
  std::ostringstream key;
  key << "expert:" << task << ":seed" << seed << ":r" << spec.rank << ":a" << spec.alpha << ":d"
      << spec.dropout << ":steps" << options.steps << ":bs" << options.batch_size << "x"
      << options.grad_accum << ":lr" << options.lr << ":" << lr_schedule_name(options.schedule)
      << options.warmup_steps << ":wd" << options.weight_decay << ":clip" << options.max_grad_norm
      << ":len" << options.max_seq_len << ":" << precision_name(options.precision);
  for (const auto& t : spec.target_modules) key << ":" << t;
  return key.str();
}

Expert AdapterBank::restore(ClContext& ctx, size_t task, const LoraSpec& spec,
                            const TrainOptions& options, const NamedTensors& tensors,
                            std::vector<TrainStep> steps) {
  Expert e;
  e.key = key((*ctx.tasks)[task].name, ctx.seed, spec, options);
  auto it = experts_.find(e.key);
  if (it != experts_.end()) return it->second;
  const std::string name = "expert" + std::to_string(experts_.size());
  TransformerLM& model = ctx.base->model;
  e.adapter = model->add_adapter(name, spec);
  try {
    set_adapter_tensors(model, e.adapter, tensors,
                        "the checkpoint's expert for " + (*ctx.tasks)[task].name);
  } catch (...) {
    model->remove_adapter(name);
    throw;
  }
  experts_[e.key] = e;
  if (!steps.empty()) untold_steps_[e.key] = std::move(steps);
  return e;
}

Expert AdapterBank::expert(ClContext& ctx, size_t task, const LoraSpec& spec,
                           const TrainOptions& options, const std::string& what) {
  Expert e;
  e.key = key((*ctx.tasks)[task].name, ctx.seed, spec, options);
  auto it = experts_.find(e.key);
  if (it != experts_.end()) {
    auto untold = untold_steps_.find(e.key);
    if (untold != untold_steps_.end()) {
      const std::string label = what.empty() ? "expert " + (*ctx.tasks)[task].name : what;
      if (ctx.on_step) {
        for (const TrainStep& s : untold->second) ctx.on_step(label, s);
      }
      untold_steps_.erase(untold);
    }
    return it->second;
  }

  const std::string name = "expert" + std::to_string(experts_.size());
  torch::manual_seed(stage_seed(ctx.seed, task));  // the adapter's initial A
  TransformerLM& model = ctx.base->model;
  e.adapter = model->add_adapter(name, spec);
  TrainOptions o = options;
  o.seed = stage_seed(ctx.seed, task);
  try {
    train_stage(ctx, model, adapter_target(model, e.adapter), (*ctx.tasks)[task].train, o,
                what.empty() ? "expert " + (*ctx.tasks)[task].name : what);
  } catch (...) {
    model->remove_adapter(name);  // a half-trained expert must never be reused
    throw;
  }
  experts_[e.key] = e;
  return e;
}

}  // namespace sy
