// The memory estimate.
#include "engine/run/memory_estimate.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/data/prompt_template.h"
#include "engine/model/checkpoint.h"
#include "engine/util/error.h"
#include "engine/util/gpu_memory.h"

namespace sy {
namespace {

constexpr int64_t kFloat = 4;  // bytes of an FP32 value
// A trained FP32 parameter: itself, its gradient and AdamW's two moments.
constexpr int64_t kTrainedBytes = 4 * kFloat;

int64_t parse_bytes(const std::string& text, const char* source) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  const std::string unit = end ? std::string(end) : "";
  double scale = 1;
  if (unit == "K" || unit == "k")
    scale = 1024.0;
  else if (unit == "M")
    scale = 1024.0 * 1024;
  else if (unit == "G")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "T")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty() || end == text.c_str())
    scale = -1;
  if (scale < 0 || !(value > 0) || value * scale > 9e18) {
    throw Error(std::string(source) + " is \"" + text +
                "\"; expected a size in bytes, or with a K, M, G or T suffix (e.g. 20G)");
  }
  return static_cast<int64_t>(value * scale);
}

// The cgroup (v2, else v1) memory limit of this process, or 0 when there is none.
int64_t cgroup_limit() {
  for (const char* file :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(file);
    std::string text;
    if (in >> text && text != "max") {
      const long long v = std::atoll(text.c_str());
      if (v > 0 && v < (1LL << 60)) return v;  // v1 writes "no limit" as a huge number
    }
  }
  return 0;
}

// Trained values of a LoRA adapter on every linear layer of a block (an upper bound: the
// experiment's target_modules choose some of them).
int64_t lora_parameters(const ModelConfig& c, int64_t rank) {
  const int64_t d = c.d_model, kv = c.n_kv_head * c.head_dim();
  int64_t per_layer = (d + d + 2 * kv) + (d + d);  // q, k, v (or fused qkv) and o: r x (in+out)
  per_layer += (d + c.d_ff) * (c.mlp == MlpType::SwiGLU ? 3 : 2);
  if (c.fused_qkv) per_layer -= 2 * d;  // one qkv input instead of three
  return rank * per_layer * c.n_layer;
}

}  // namespace

int64_t parameter_count(const ModelConfig& c) {
  const int64_t d = c.d_model, kv = c.n_kv_head * c.head_dim(), t = c.token_dim();
  int64_t n = c.vocab_size * t;  // token embeddings
  if (c.position == PositionType::Learned) n += (c.max_seq_len + c.position_offset) * d;
  if (c.embed_dim > 0 && c.embed_dim != d) n += 2 * t * d;  // project_in, project_out
  const int64_t norm = c.norm == NormType::LayerNorm ? 2 * d : d;
  if (c.embed_norm) n += norm;
  int64_t layer = d * (d + 2 * kv) + d * d;  // q, k, v and o
  if (c.attn_bias) layer += d + 2 * kv;
  if (c.o_bias) layer += d;
  const int64_t mlp_mats = c.mlp == MlpType::SwiGLU ? 3 : 2;
  layer += mlp_mats * d * c.d_ff;
  if (c.mlp_bias) layer += (mlp_mats - 1) * c.d_ff + d;
  layer += 2 * norm;
  n += c.n_layer * layer;
  if (c.final_norm) n += norm;
  if (!c.tie_embeddings) n += c.vocab_size * t;
  return n;
}

int64_t longest_sequence(const std::vector<Task>& tasks, const ModelConfig& config) {
  size_t longest = 0;
  for (const Task& task : tasks) {
    for (const Example& e : task.train) {
      longest =
          std::max(longest, format_prompt(config.prompt_template, e).size() + e.output.size());
    }
  }
  constexpr int64_t kSpecialTokens = 4;  // BOS, EOS and what a template adds
  return std::min<int64_t>(config.max_seq_len, static_cast<int64_t>(longest) + kSpecialTokens);
}

MemoryEstimate estimate_run_memory(const ModelConfig& c, const Experiment& experiment,
                                   const RunnerOptions& options, int64_t sequence_tokens,
                                   WeightsDtype weights) {
  MemoryEstimate e;
  const int64_t params = parameter_count(c);
  e.parameters = params;
  e.weights_dtype = weights;
  e.weights = params * weights_dtype_bytes(weights);
  // Activations flow in the weights' dtype where the products run in it, else in FP32.
  const int64_t act = c10::elementSize(compute_dtype(weights_scalar_type(weights), c10::kCPU));
  for (const StrategySpec& raw : experiment.strategies) {
    const StrategySpec spec = effective_spec(raw, options);
    // A full fine-tune trains its own copy of the model; LoRA trains one adapter at a time (the
    // experts kept in the bank are small beside the base).
    const int64_t trained =
        spec.use_lora ? lora_parameters(c, spec.lora.rank) * kTrainedBytes : params * kTrainedBytes;
    if (trained > e.training) {
      e.training = trained;
      e.largest = spec.label;
    }
    const TrainOptions& t = spec.training;
    const int64_t batch = t.batch_size;
    const int64_t len =
        t.max_seq_len > 0 ? std::min(t.max_seq_len, sequence_tokens) : sequence_tokens;
    const int64_t tokens = batch * len;
    // Per block: the inputs of every product and norm kept for the backward pass (~12 widths and
    // 3 MLP widths per token) and the attention's scores and probabilities per head.
    const int64_t per_layer =
        tokens * (12 * c.d_model + 3 * c.d_ff) * act + 2 * batch * c.n_head * len * len * kFloat;
    const int64_t logits = 3 * tokens * c.vocab_size * kFloat;  // logits, softmax, gradient
    e.activations = std::max(e.activations, c.n_layer * per_layer + logits);
  }
  return e;
}

MemoryEstimate estimate_experiment_memory(const Experiment& experiment,
                                          const RunnerOptions& options,
                                          const std::vector<Task>& tasks) {
  const std::string dir = base_model_dir(experiment);
  const ModelConfig config = read_model_config(dir);
  const WeightsDtype weights = experiment.weights_dtype == WeightsDtype::Auto
                                   ? stored_weights_dtype(dir)
                                   : experiment.weights_dtype;
  return estimate_run_memory(config, experiment, options, longest_sequence(tasks, config), weights);
}

int64_t available_memory(c10::Device device) {
  if (const char* forced = std::getenv("SWITCHYARD_MEMORY_LIMIT"); forced && *forced) {
    return parse_bytes(forced, "SWITCHYARD_MEMORY_LIMIT");
  }
  if (device.is_cuda()) return gpu_total_memory(device);
  int64_t available = 0;
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  int64_t kib = 0;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") available = kib * 1024;
  }
  const int64_t cgroup = cgroup_limit();
  if (cgroup > 0 && (available == 0 || cgroup < available)) available = cgroup;
  return available;
}

std::string format_bytes(int64_t bytes) {
  char buf[32];
  const double gib = static_cast<double>(bytes) / (1024.0 * 1024 * 1024);
  if (gib >= 1) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", gib);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f MiB", static_cast<double>(bytes) / (1024.0 * 1024));
  }
  return buf;
}

void require_memory_fits(const MemoryEstimate& e, int64_t limit, const std::string& what) {
  if (limit <= 0 || e.total() <= limit) return;
  std::ostringstream s;
  s << what << ": the run needs about " << format_bytes(e.total()) << " (base weights in "
    << weights_dtype_name(e.weights_dtype) << " " << format_bytes(e.weights)
    << ", training state of " << e.largest << " " << format_bytes(e.training) << ", activations "
    << format_bytes(e.activations) << ") but " << format_bytes(limit)
    << " are available (SWITCHYARD_MEMORY_LIMIT sets another limit); ";
  if (e.weights >= e.training && e.weights >= e.activations) {
    if (e.weights_dtype == WeightsDtype::FP32) {
      s << "hold the base weights in bf16 (\"weights_dtype\": \"bf16\", --weights-dtype bf16) "
           "or ";
    }
    s << "choose a smaller base model (\"base_model\", --model)";
  } else if (e.training >= e.activations) {
    s << "train " << e.largest
      << " with LoRA (\"mode\": \"lora\", --mode lora) or choose a "
         "smaller base model";
  } else {
    s << "lower the batch size (\"training.batch_size\", --batch-size) and raise gradient "
         "accumulation (\"grad_accum\", --grad-accum) to keep the global batch";
  }
  throw Error(s.str());
}

}  // namespace sy
