// A continual-learning strategy: how a model learns a sequence of tasks stage by stage, and how it
// answers a task's prompts after the current stage. One file per strategy; the runner drives them
// all through this interface.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/cl/adapter_bank.h"
#include "engine/cl/answer_cache.h"
#include "engine/data/task.h"
#include "engine/generate/generation.h"
#include "engine/model/checkpoint.h"
#include "engine/model/tensor_io.h"
#include "engine/run/experiment.h"
#include "engine/train/trainer.h"

namespace sy {

// Thrown when the user cancels; the runner records the run as cancelled.
struct Cancelled {};

// What every strategy of one run shares.
struct ClContext {
  std::string base_model_dir;
  LoadedModel* base = nullptr;  // frozen; LoRA strategies add their adapters to it
  const std::vector<Task>* tasks = nullptr;
  uint64_t seed = 0;
  GenerationOptions generation;  // greedy, max_new_tokens, batch size
  c10::Device device = c10::Device(c10::kCPU);
  AdapterBank* bank = nullptr;     // per-task adapters from the frozen base (trains_expert)
  AnswerCache* answers = nullptr;  // predictions of the frozen base and of bank adapters
  // Called for every optimizer step, with the stage's label.
  std::function<void(const std::string& what, const TrainStep&)> on_step;
  const std::atomic<bool>* cancel = nullptr;
};

// One request answered the way the strategy answers at inference (the playground).
struct Reply {
  std::string answer;
  std::optional<size_t> adapter;  // the task position whose adapter answered; none: one model
  std::optional<size_t> routed;   // switchcit: the switch's top-1 task
  std::optional<std::vector<double>> probabilities;  // switchcit: over the tasks seen so far
};

// The router's view after a stage (switchcit only): C[true][predicted] over the test prompts of
// the tasks seen so far.
struct RouterStage {
  std::vector<std::vector<int64_t>> confusion;
  double accuracy = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Learns stage `stage` (0-based): task `stage` of the sequence, or all tasks for multitask.
  virtual void learn(size_t stage) = 0;
  // Greedy answers to the test examples of task `task`, with what was learned so far.
  virtual std::vector<std::string> answer(size_t task) = 0;
  virtual std::optional<RouterStage> router() { return std::nullopt; }

  // What the strategy carries from one stage to the next (its trained weights). A fresh strategy
  // given restore(k, state()) of one that finished k stages continues exactly as that one would:
  // every stage's randomness is seeded from (seed, stage), never carried over.
  virtual NamedTensors state() = 0;
  virtual void restore(size_t stages_done, const NamedTensors& state) = 0;
  // The LoRA adapter (on ctx.base) that stage `stage` trained, for the store and for export;
  // none for full fine-tuning.
  virtual std::optional<AdapterId> stage_adapter(size_t stage) { return std::nullopt; }

  // Answers one request after the stages learned so far. `adapter` picks a task's adapter where
  // the strategy keeps one per task (oracle, switchcit); the others answer with their one model
  // and refuse a choice.
  virtual Reply ask(const Example& request, std::optional<size_t> adapter) = 0;
  // The task positions that have their own adapter (oracle, switchcit); empty otherwise.
  virtual std::vector<size_t> task_adapters() const { return {}; }
  virtual bool has_router() const { return false; }
};

std::unique_ptr<Strategy> make_strategy(const StrategySpec& spec, ClContext& ctx);
// Whether stage `stage` (0-based) of a fresh run of `spec` is the bank's expert for that task,
// trained once per session however many strategies need it: every stage of oracle and switchcit,
// and the first stage of a LoRA seq-lora or replay (a fresh adapter on the frozen base, trained on
// the first task alone). Progress counts such steps once.
bool trains_expert(const StrategySpec& spec, size_t stage);

// Shared by the strategies: trains `target` of `model` on `examples`; throws Cancelled.
TrainResult train_stage(ClContext& ctx, TransformerLM& model, const TrainTarget& target,
                        const std::vector<Example>& examples, TrainOptions options,
                        const std::string& what);
// Greedy answers of `model` (through `adapter`) to the test examples of `task` at `indices`.
std::vector<std::string> answer_with(ClContext& ctx, const Tokenizer& tokenizer,
                                     TransformerLM& model, AdapterId adapter, size_t task,
                                     const std::vector<size_t>& indices);
// The same for weights that never change (the frozen base: key "base", or a bank expert), through
// the answer cache.
std::vector<std::string> answer_fixed(ClContext& ctx, const std::string& key, AdapterId adapter,
                                      size_t task, const std::vector<size_t>& indices);
std::vector<size_t> all_test_indices(const ClContext& ctx, size_t task);
// One request answered by `model` through `adapter`, with the context's decoding settings.
std::string answer_one(ClContext& ctx, TransformerLM& model, AdapterId adapter,
                       const Example& request);
// 0 .. experts.size() - 1: the tasks that have an expert.
std::vector<size_t> expert_positions(const std::vector<Expert>& experts);
// The experts' ask: `adapter` (or `routed`) picks the expert; an error names the valid choices.
Reply ask_expert(ClContext& ctx, const std::vector<Expert>& experts, const Example& request,
                 std::optional<size_t> adapter, std::optional<size_t> routed);

// A list of experts as one state (tensors prefixed "expert<k>.") and back, for oracle and
// switchcit.
NamedTensors experts_state(ClContext& ctx, const std::vector<Expert>& experts);
std::vector<Expert> restore_experts(ClContext& ctx, size_t count, const StrategySpec& spec,
                                    const NamedTensors& state);

}  // namespace sy
