// The training loop. The loss of a step is the summed cross-entropy of its micro-batches divided
// by the step's total target tokens, so gradient accumulation equals one big batch exactly.
// Data-parallel (engine/dist): every rank draws the same micro-batches, computes a contiguous
// slice of each one's rows, and the gradients are summed over the ranks before the optimizer
// step; since each rank divides by the whole step's target tokens and hashes its dropout masks at
// its rows' place in the whole batch, the sum is the one-process gradient, up to float rounding.
#include "engine/train/trainer.h"

#include <chrono>
#include <optional>

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>

#include "engine/dist/world.h"
#include "engine/kernels/dropout_mask.h"
#include "engine/train/fused_adamw.h"
#include "engine/train/loss_scaler.h"
#include "engine/util/error.h"

namespace sy {

TrainTarget full_finetune_target(TransformerLM& model) {
  if (model->weights_dtype() != torch::kFloat) {
    throw Error("a full fine-tune trains every weight, which needs the model in fp32, not " +
                std::string(c10::toString(model->weights_dtype())) +
                " (--weights-dtype fp32, or \"weights_dtype\": \"fp32\")");
  }
  TrainTarget target;
  for (auto& [name, tensor] : model->base_parameters()) target.parameters.push_back(tensor);
  return target;
}

TrainTarget adapter_target(TransformerLM& model, AdapterId adapter) {
  TrainTarget target;
  target.parameters = model->adapter_parameters(adapter);
  target.adapter = adapter;
  return target;
}

namespace {

// Rank `rank` of `ranks` takes rows [first, last) of a micro-batch of `rows`.
std::pair<int64_t, int64_t> shard_rows(int64_t rows, int rank, int ranks) {
  return {rows * rank / ranks, rows * (rank + 1) / ranks};
}

Batch slice_rows(const Batch& batch, int64_t first, int64_t count) {
  Batch shard;
  shard.input_ids = batch.input_ids.narrow(0, first, count);
  shard.attention_mask = batch.attention_mask.narrow(0, first, count);
  shard.labels = batch.labels.narrow(0, first, count);
  return shard;
}

// Sums the step's gradients, its loss and the ranks' cancel requests over the ranks. A gradient
// that no rank has stays undefined, as it would be in one process (the optimizers skip those).
// Returns whether any rank asked to cancel.
bool reduce_step(dist::World& world, const std::vector<torch::Tensor>& parameters,
                 double& step_loss, bool cancel) {
  std::vector<torch::Tensor> sums;
  auto had = torch::zeros({static_cast<int64_t>(parameters.size())}, torch::kFloat);
  for (size_t i = 0; i < parameters.size(); ++i) {
    auto p = parameters[i];
    if (p.grad().defined()) {
      had[static_cast<int64_t>(i)] = 1;
    } else {
      p.mutable_grad() = torch::zeros_like(p);
    }
    sums.push_back(p.grad());
  }
  auto scalars = torch::tensor({step_loss, cancel ? 1.0 : 0.0}, torch::kDouble);
  sums.push_back(had);
  sums.push_back(scalars);
  world.allreduce_sum(sums);
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (had[static_cast<int64_t>(i)].item<float>() == 0) parameters[i].mutable_grad().reset();
  }
  step_loss = scalars[0].item<double>();
  return scalars[1].item<double>() > 0;
}

}  // namespace

TrainResult train(TransformerLM& model, const std::vector<EncodedExample>& data,
                  const TrainTarget& target, const TrainOptions& options,
                  const StepCallback& on_step, const std::atomic<bool>* cancel) {
  if (data.empty()) throw Error("there are no training examples");
  if (options.steps <= 0 || options.batch_size <= 0 || options.grad_accum <= 0) {
    throw Error("training fields \"steps\", \"batch_size\" and \"grad_accum\" must be positive");
  }
  if (!(options.lr > 0)) throw Error("training field \"lr\" must be positive");
  torch::manual_seed(options.seed);  // dropout masks
  const int64_t max_len =
      options.max_seq_len > 0 ? options.max_seq_len : model->config().max_seq_len;
  const auto device = model->tok_emb->weight.device();
  require_precision_on(options.precision, device, "training precision");
  LossScaler scaler(options.precision == Precision::FP16);

  for (auto& p : model->parameters()) p.set_requires_grad(false);
  for (const auto& p : target.parameters) p.set_requires_grad(true);
  // FP32 CPU parameters (every CPU run, BF16 autocast included) take the fused optimizer; the
  // rest (CUDA, FP16 with its loss scaler) LibTorch's AdamW and clipping.
  std::optional<FusedAdamW> fused_optimizer;
  std::optional<torch::optim::AdamW> optimizer;
  if (!scaler.enabled() && FusedAdamW::applies(target.parameters)) {
    FusedAdamW::Options adamw;
    adamw.weight_decay = options.weight_decay;
    fused_optimizer.emplace(target.parameters, adamw);
  } else {
    optimizer.emplace(target.parameters,
                      torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay));
  }
  model->train();

  TrainResult result;
  BatchStream batches(data, options.batch_size, options.seed, model->config().pad_id, max_len);
  dist::World& world = dist::world();
  const int ranks = world.size();
  bool ranks_cancel = false;  // several ranks: a cancel agreed in the last step's all-reduce

  const auto start = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < options.steps; ++step) {
    // Several ranks stop after the same step: each one's request travels with the gradients.
    if (ranks > 1 ? ranks_cancel : cancel && cancel->load()) {
      result.cancelled = true;
      break;
    }
    const double lr =
        learning_rate_at(options.schedule, options.lr, step, options.warmup_steps, options.steps);
    if (optimizer) {
      for (auto& group : optimizer->param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      }
    }
    std::vector<Batch> micro;
    int64_t step_targets = 0;
    for (int64_t m = 0; m < options.grad_accum; ++m) {
      micro.push_back(batches.next());
      step_targets += micro.back().target_tokens;
    }
    if (fused_optimizer) {
      fused_optimizer->zero_grad();
    } else {
      optimizer->zero_grad();
    }
    double step_loss = 0;
    for (auto& whole : micro) {
      result.tokens += whole.tokens;
      // This rank's rows; with several ranks the masks of dropout are hashed at their place in
      // the whole batch, and a rank left without rows (a short last batch of an epoch) runs one
      // row without gradients, so that it draws the same dropout seeds as the others.
      Batch batch = whole;
      std::optional<DropoutShardScope> shard_masks;
      bool idle = false;
      if (ranks > 1) {
        auto [first, last] = shard_rows(whole.input_ids.size(0), world.rank(), ranks);
        idle = first == last;
        if (idle) {
          first = std::min<int64_t>(first, whole.input_ids.size(0) - 1);
          last = first + 1;
        }
        const int64_t selected_before =
            (whole.labels.narrow(0, 0, first) != kIgnoreIndex).sum().item<int64_t>();
        batch = slice_rows(whole, first, last - first);
        shard_masks.emplace(first, selected_before);
      }
      torch::Tensor loss;
      {
        std::optional<torch::NoGradGuard> no_grad;
        if (idle) no_grad.emplace();
        AutocastScope autocast(options.precision, device);
        // Outputs only where a loss is taken (response tokens): the last block's o_proj and MLP,
        // the vocabulary projection and its softmax are skipped for the prompt, with the same
        // loss and gradients.
        auto labels = batch.labels.to(device).view({-1});
        auto where = (labels != kIgnoreIndex).nonzero().squeeze(1);
        auto hidden =
            model->hidden_states(batch.input_ids.to(device), batch.attention_mask.to(device),
                                 nullptr, target.adapter, where);
        auto logits = model->logits(hidden);
        loss = torch::nn::functional::cross_entropy(
            logits.to(torch::kFloat), labels.index_select(0, where),
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
      }
      if (idle) continue;
      loss = loss / static_cast<double>(std::max<int64_t>(1, step_targets));
      scaler.scaled(loss).backward();
      step_loss += loss.item<double>();
    }
    if (ranks > 1) {
      ranks_cancel = reduce_step(world, target.parameters, step_loss, cancel && cancel->load());
    }
    if (fused_optimizer) {
      fused_optimizer->step(lr, options.max_grad_norm);
    } else {
      // FP16: a step whose gradients overflowed is skipped (and the loss scale halved).
      const bool finite = scaler.unscale(target.parameters);
      if (finite && options.max_grad_norm > 0) {
        torch::nn::utils::clip_grad_norm_(target.parameters, options.max_grad_norm);
      }
      if (finite) optimizer->step();
      scaler.update(finite);
    }
    result.losses.push_back(step_loss);
    result.steps_done = step + 1;
    if (on_step) {
      TrainStep info;
      info.step = step + 1;
      info.total_steps = options.steps;
      info.loss = step_loss;
      info.lr = lr;
      info.elapsed_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      info.tokens_per_s = info.elapsed_s > 0 ? double(result.tokens) / info.elapsed_s : 0;
      info.eta_s = info.elapsed_s / double(step + 1) * double(options.steps - step - 1);
      on_step(info);
    }
  }
  for (const auto& p : target.parameters) p.set_requires_grad(false);
  model->eval();
  result.skipped_steps = scaler.skipped();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace sy
