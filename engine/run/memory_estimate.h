// The memory a run needs at its peak, estimated from the model's configuration and the
// experiment's settings before anything is loaded, so that a run that cannot fit is refused with
// one sentence (the estimate, the limit, the setting to change) instead of ending in an
// out-of-memory kill hours later. The estimate is an upper bound of the main terms, not a
// measurement: the base weights in their dtype (weights_dtype.h), the largest strategy's training
// state (a full fine-tune's own copy of the model, gradients and AdamW moments; or LoRA adapters on
// every linear layer), and one training step's saved activations at the batch size and the longest
// example.
#pragma once

#include <cstdint>
#include <string>

#include <c10/core/Device.h>
#include "engine/data/task.h"

#include "engine/model/model_config.h"
#include "engine/model/weights_dtype.h"
#include "engine/run/experiment.h"
#include "engine/run/session.h"

namespace sy {

// The model's parameters as the transformer builds them from `config`.
int64_t parameter_count(const ModelConfig& config);

struct MemoryEstimate {
  int64_t parameters = 0;                           // of the base model
  WeightsDtype weights_dtype = WeightsDtype::FP32;  // what the base weights are held in
  int64_t weights = 0;                              // the frozen base model
  int64_t training = 0;     // the largest strategy's trained parameters, gradients, optimizer
  int64_t activations = 0;  // a training step's saved activations (and the logits)
  std::string largest;      // the strategy (label) whose training state is the largest
  int64_t total() const { return weights + training + activations; }
};

// `sequence_tokens`: the longest training sequence, at most the model's context (batches are
// padded to their longest example, not to the context). `weights`: resolved (not Auto).
MemoryEstimate estimate_run_memory(const ModelConfig& config, const Experiment& experiment,
                                   const RunnerOptions& options, int64_t sequence_tokens,
                                   WeightsDtype weights = WeightsDtype::FP32);
// The estimate for a run of `experiment` over `tasks` (experiment_tasks()), from its base model's
// configuration and the dtype its files store alone.
MemoryEstimate estimate_experiment_memory(const Experiment& experiment,
                                          const RunnerOptions& options,
                                          const std::vector<Task>& tasks);
// An upper bound of the tokens of the longest example of `tasks` as the model reads it: a
// byte-level or SentencePiece tokenizer never makes more tokens than the text has bytes (plus
// the special tokens).
int64_t longest_sequence(const std::vector<Task>& tasks, const ModelConfig& config);

// The memory a run may use on `device`. On the CPU: what the kernel reports available
// (MemAvailable), lowered to the cgroup's limit where one is set; on a CUDA device: its total
// memory (a CUDA build only). SWITCHYARD_MEMORY_LIMIT (bytes, or with a K, M, G or T suffix)
// overrides either. 0 when it cannot be told (then nothing is refused).
int64_t available_memory(c10::Device device = c10::Device(c10::kCPU));

// Throws an Error for an estimate above `limit` (0: no check), naming `what` (the experiment
// file), the estimate and its parts, the limit, and the settings that lower it.
void require_memory_fits(const MemoryEstimate& estimate, int64_t limit, const std::string& what);

// "1.2 GiB", "340 MiB".
std::string format_bytes(int64_t bytes);

}  // namespace sy
