// The training loop shared by pretraining, full fine-tuning and LoRA: AdamW, a learning-rate
// schedule with warmup, gradient clipping and accumulation, loss on response tokens only,
// deterministic for a seed, cancellable between steps.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/kernels/precision.h"
#include "engine/model/transformer.h"
#include "engine/train/batching.h"
#include "engine/train/lr_schedule.h"

namespace sy {

struct TrainOptions {
  int64_t steps = 300;      // optimizer steps
  int64_t batch_size = 16;  // examples per micro-batch
  int64_t grad_accum = 1;   // micro-batches per optimizer step
  double lr = 1e-3;
  double weight_decay = 0.0;
  LrSchedule schedule = LrSchedule::Constant;
  int64_t warmup_steps = 0;
  double max_grad_norm = 1.0;  // <= 0 turns clipping off
  uint64_t seed = 0;
  int64_t max_seq_len = 0;  // 0: the model's context length
  Precision precision = Precision::FP32;
};

struct TrainStep {
  int64_t step = 0;  // 1-based, the optimizer step just finished
  int64_t total_steps = 0;
  double loss = 0;  // mean over this step's target tokens
  double lr = 0;
  double tokens_per_s = 0;  // real (non-padding) tokens per second, since the start
  double elapsed_s = 0;
  double eta_s = 0;
};

struct TrainResult {
  int64_t steps_done = 0;
  bool cancelled = false;
  double seconds = 0;
  int64_t tokens = 0;
  std::vector<double> losses;  // one per optimizer step
  int64_t skipped_steps = 0;   // FP16: steps skipped because a gradient overflowed
};

using StepCallback = std::function<void(const TrainStep&)>;

// What to train: the tensors that get gradients; everything else in the model is frozen.
// `adapter` is the adapter the forward passes use (kNoAdapter for full fine-tuning).
struct TrainTarget {
  std::vector<torch::Tensor> parameters;
  AdapterId adapter = kNoAdapter;
};

TrainTarget full_finetune_target(TransformerLM& model);
TrainTarget adapter_target(TransformerLM& model, AdapterId adapter);

TrainResult train(TransformerLM& model, const std::vector<EncodedExample>& data,
                  const TrainTarget& target, const TrainOptions& options,
                  const StepCallback& on_step = {}, const std::atomic<bool>* cancel = nullptr);

}  // namespace sy
