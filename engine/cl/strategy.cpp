// What the strategies share: training one stage, answering through the cache, and the factory.
#include "engine/cl/strategy.h"

#include "engine/cl/strategy_traits.h"
#include "engine/generate/task_scoring.h"
#include "engine/model/adapter_io.h"
#include "engine/train/batching.h"
#include "engine/util/error.h"

namespace sy {

std::unique_ptr<Strategy> make_seq_ft(const StrategySpec& spec, ClContext& ctx);
std::unique_ptr<Strategy> make_seq_lora(const StrategySpec& spec, ClContext& ctx);
std::unique_ptr<Strategy> make_replay(const StrategySpec& spec, ClContext& ctx);
std::unique_ptr<Strategy> make_multitask(const StrategySpec& spec, ClContext& ctx);
std::unique_ptr<Strategy> make_oracle(const StrategySpec& spec, ClContext& ctx);
std::unique_ptr<Strategy> make_switchcit(const StrategySpec& spec, ClContext& ctx);

std::unique_ptr<Strategy> make_strategy(const StrategySpec& spec, ClContext& ctx) {
  if (spec.name == "seq-ft") return make_seq_ft(spec, ctx);
  if (spec.name == "seq-lora") return make_seq_lora(spec, ctx);
  if (spec.name == "replay") return make_replay(spec, ctx);
  if (spec.name == "multitask") return make_multitask(spec, ctx);
  if (spec.name == "oracle") return make_oracle(spec, ctx);
  if (spec.name == "switchcit") return make_switchcit(spec, ctx);
  throw Error("unknown strategy \"" + spec.name + "\"");
}

bool trains_expert(const StrategySpec& spec, size_t stage) {
  const StrategyTraits& traits = strategy_traits(spec.name);
  if (traits.trains_experts) return true;
  return stage == 0 && spec.use_lora && traits.first_stage_is_expert;
}

TrainResult train_stage(ClContext& ctx, TransformerLM& model, const TrainTarget& target,
                        const std::vector<Example>& examples, TrainOptions options,
                        const std::string& what) {
  std::vector<EncodedExample> data;
  data.reserve(examples.size());
  const PromptTemplate layout = model->config().prompt_template;
  for (const auto& e : examples) data.push_back(encode_example(*ctx.base->tokenizer, layout, e));
  StepCallback on_step;
  if (ctx.on_step) on_step = [&](const TrainStep& s) { ctx.on_step(what, s); };
  TrainResult result = train(model, data, target, options, on_step, ctx.cancel);
  if (result.cancelled) throw Cancelled{};
  return result;
}

std::vector<size_t> all_test_indices(const ClContext& ctx, size_t task) {
  std::vector<size_t> indices((*ctx.tasks)[task].test.size());
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  return indices;
}

NamedTensors experts_state(ClContext& ctx, const std::vector<Expert>& experts) {
  NamedTensors state;
  for (size_t k = 0; k < experts.size(); ++k) {
    for (auto& [name, tensor] : adapter_tensors(ctx.base->model, experts[k].adapter)) {
      state["expert" + std::to_string(k) + "." + name] = tensor;
    }
  }
  return state;
}

std::vector<Expert> restore_experts(ClContext& ctx, size_t count, const StrategySpec& spec,
                                    const NamedTensors& state) {
  std::vector<Expert> experts;
  for (size_t k = 0; k < count; ++k) {
    const std::string prefix = "expert" + std::to_string(k) + ".";
    NamedTensors mine;
    for (auto it = state.lower_bound(prefix); it != state.end() && it->first.rfind(prefix, 0) == 0;
         ++it) {
      mine[it->first.substr(prefix.size())] = it->second;
    }
    experts.push_back(ctx.bank->restore(ctx, k, spec.lora, spec.training, mine));
  }
  return experts;
}

std::string answer_one(ClContext& ctx, TransformerLM& model, AdapterId adapter,
                       const Example& request) {
  GenerationOptions options = ctx.generation;
  options.adapter = adapter;
  return generate_answers(model, *ctx.base->tokenizer, {request}, options).front();
}

Reply ask_expert(ClContext& ctx, const std::vector<Expert>& experts, const Example& request,
                 std::optional<size_t> adapter, std::optional<size_t> routed) {
  const std::optional<size_t> chosen = adapter ? adapter : routed;
  if (!chosen) {
    throw Error("this run answers with the true task's adapter (oracle): choose an adapter");
  }
  if (*chosen >= experts.size()) {
    throw Error("adapter " + std::to_string(*chosen) + " does not exist; this run has " +
                std::to_string(experts.size()) + " adapters, numbered from 0");
  }
  Reply reply;
  reply.adapter = chosen;
  reply.routed = routed;
  reply.answer = answer_one(ctx, ctx.base->model, experts[*chosen].adapter, request);
  return reply;
}

std::vector<size_t> expert_positions(const std::vector<Expert>& experts) {
  std::vector<size_t> out(experts.size());
  for (size_t k = 0; k < out.size(); ++k) out[k] = k;
  return out;
}

std::vector<std::string> answer_with(ClContext& ctx, const Tokenizer& tokenizer,
                                     TransformerLM& model, AdapterId adapter, size_t task,
                                     const std::vector<size_t>& indices) {
  const auto& test = (*ctx.tasks)[task].test;
  std::vector<Example> examples;
  examples.reserve(indices.size());
  for (size_t i : indices) examples.push_back(test[i]);
  GenerationOptions options = ctx.generation;
  options.adapter = adapter;
  return generate_answers(model, tokenizer, examples, options);
}

std::vector<std::string> answer_fixed(ClContext& ctx, const std::string& key, AdapterId adapter,
                                      size_t task, const std::vector<size_t>& indices) {
  std::vector<std::string> out(indices.size());
  std::vector<size_t> missing, missing_pos;
  for (size_t k = 0; k < indices.size(); ++k) {
    if (auto hit = ctx.answers->find(key, task, indices[k])) {
      out[k] = *hit;
    } else {
      missing.push_back(indices[k]);
      missing_pos.push_back(k);
    }
  }
  if (!missing.empty()) {
    auto fresh = answer_with(ctx, *ctx.base->tokenizer, ctx.base->model, adapter, task, missing);
    for (size_t m = 0; m < missing.size(); ++m) {
      ctx.answers->store(key, task, missing[m], fresh[m]);
      out[missing_pos[m]] = std::move(fresh[m]);
    }
  }
  return out;
}

}  // namespace sy
