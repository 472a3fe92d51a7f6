// The transformer's forward pass. Attention is written out (LibTorch 1.13 has no fused
// scaled-dot-product attention): softmax(q k^T / sqrt(d) + alibi + mask) v, with the scores and
// the softmax in FP32 whatever the weights' dtype, as the reference implementations do.
#include "engine/model/transformer.h"

#include <algorithm>

#include <cmath>
#include <tuple>
#include <utility>

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/normalization.h>
#include <torch/nn/init.h>
#include <torch/utils.h>

#include "engine/kernels/cached_attention.h"
#include "engine/kernels/causal_attention.h"
#include "engine/kernels/contiguous_bmm.h"
#include "engine/kernels/dense_linear.h"
#include "engine/kernels/gelu.h"
#include "engine/model/family_registry.h"
#include "engine/model/rope.h"
#include "engine/model/weights_dtype.h"
#include "engine/util/error.h"

namespace sy {
namespace {

constexpr double kMasked = -1e30;  // additive mask; finite so fully padded rows stay NaN-free

// ALiBi slopes as BLOOM computes them, including the extra slopes of a non-power-of-two count:
// with c the largest power of two <= H, slopes b^1 .. b^c for b = 2^(-2^-(log2 c - 3)), then
// b'^1, b'^3, ... for b' = 2^(-2^-(log2 2c - 3)) until H slopes. Powers taken in FP32 as BLOOM
// does.
torch::Tensor alibi_slopes(int64_t n_head) {
  const int64_t closest = int64_t(1) << static_cast<int64_t>(std::floor(std::log2(n_head)));
  auto powers_of = [](double base, int64_t first, int64_t end, int64_t step) {
    return torch::pow(torch::tensor(static_cast<float>(base)),
                      torch::arange(first, end, step, torch::kInt));
  };
  const double base = std::pow(2.0, -std::pow(2.0, -(std::log2(double(closest)) - 3.0)));
  auto slopes = powers_of(base, 1, 1 + closest, 1);
  if (closest != n_head) {
    const double extra_base = std::pow(2.0, -std::pow(2.0, -(std::log2(2.0 * closest) - 3.0)));
    const int64_t remaining = std::min(closest, n_head - closest);
    slopes = torch::cat({slopes, powers_of(extra_base, 1, 1 + 2 * remaining, 2)});
  }
  return slopes;
}

torch::Tensor activate(MlpType type, const torch::Tensor& x) {
  const bool gelu = type == MlpType::GELU || type == MlpType::GELUTanh;
  if (gelu && (x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kHalf)) {
    // LibTorch 1.13's half-precision GELU widens element by element; widening the tensor once
    // and rounding the result once is 1.3x faster (forward and backward), and exact GELU then
    // reaches our FP32 kernel. Exact GELU gives the same values; the tanh form differs by one
    // bf16 step in ~40 % of outputs, as LibTorch's bf16 kernel rounds its intermediates and this
    // rounds once (transformers' BLOOM rounds after every operation: interop holds either way).
    return activate(type, x.to(torch::kFloat)).to(x.scalar_type());
  }
  switch (type) {
    case MlpType::GELU:
      return gelu_exact(x);
    case MlpType::GELUTanh:
      return torch::gelu(x, "tanh");
    case MlpType::ReLU:
      return torch::relu(x);
    case MlpType::SwiGLU:
      return torch::silu(x);
  }
  return x;
}

// The rows of x ([B, T, d] or [N, d]) at flat positions `rows`, as [rows, d]; all of x, as it is,
// when rows is undefined.
torch::Tensor select_rows(const torch::Tensor& x, const torch::Tensor& rows) {
  if (!rows.defined()) return x;
  return x.reshape({-1, x.size(-1)}).index_select(0, rows);
}

// A [rows, dim] embedding table in `init`'s dtype, left for the caller to fill. A random FP32
// table is made as LibTorch makes it (its own N(0, 1) draw, which the caller's replaces) so that
// a seeded model is the same as before half precision came; other tables skip that pass.
torch::nn::Embedding make_embedding(int64_t rows, int64_t dim, WeightsInit init) {
  if (init.random && init.dtype == torch::kFloat) return torch::nn::Embedding(rows, dim);
  return torch::nn::Embedding(torch::nn::EmbeddingOptions(rows, dim)._weight(
      torch::empty({rows, dim}, torch::TensorOptions().dtype(init.dtype))));
}

}  // namespace

// ---------------------------------------------------------------------------------------- Norm

NormImpl::NormImpl(NormType type, int64_t dim, double eps, WeightsInit init)
    : type_(type), eps_(eps) {
  const auto options = torch::TensorOptions().dtype(init.dtype);
  weight = register_parameter("weight", torch::ones({dim}, options));
  if (type == NormType::LayerNorm) bias = register_parameter("bias", torch::zeros({dim}, options));
}

torch::Tensor NormImpl::forward(const torch::Tensor& x) {
  // Half precision is normalised in FP32 and rounded once at the end, as transformers does (the
  // casts are no-ops for FP32).
  const auto xf = x.to(torch::kFloat);
  if (type_ == NormType::LayerNorm) {
    return torch::layer_norm(xf, {x.size(-1)}, weight.to(torch::kFloat), bias.to(torch::kFloat),
                             eps_)
        .to(x.scalar_type());
  }
  // RMSNorm: x / sqrt(mean(x^2) + eps) * w, computed in FP32 as Llama's reference does.
  auto normed = xf * torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  return weight.to(x.scalar_type()) * normed.to(x.scalar_type());
}

// ----------------------------------------------------------------------------------- Attention

AttentionImpl::AttentionImpl(const ModelConfig& config, WeightsInit init) : config_(config) {
  const int64_t d = config.d_model;
  const int64_t kv = config.n_kv_head * config.head_dim();
  if (config.fused_qkv) {
    qkv_proj = register_module("qkv_proj", LoraLinear(d, d + 2 * kv, config.attn_bias, init));
  } else {
    q_proj = register_module("q_proj", LoraLinear(d, d, config.attn_bias, init));
    k_proj = register_module("k_proj", LoraLinear(d, kv, config.attn_bias, init));
    v_proj = register_module("v_proj", LoraLinear(d, kv, config.attn_bias, init));
  }
  o_proj = register_module("o_proj", LoraLinear(d, d, config.o_bias, init));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const AttentionContext& ctx,
                                     KVCache* cache, int64_t layer, AdapterId adapter,
                                     const torch::Tensor& rows) {
  const int64_t B = x.size(0), T = x.size(1);
  const int64_t H = config_.n_head, Hkv = config_.n_kv_head, D = config_.head_dim();
  torch::Tensor q, k, v;
  if (config_.fused_qkv) {
    auto qkv = qkv_proj(x, adapter).split({H * D, Hkv * D, Hkv * D}, -1);
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    q = q_proj(x, adapter), k = k_proj(x, adapter), v = v_proj(x, adapter);
  }
  q = q.view({B, T, H, D}).transpose(1, 2);
  k = k.view({B, T, Hkv, D}).transpose(1, 2);
  v = v.view({B, T, Hkv, D}).transpose(1, 2);
  if (config_.position == PositionType::RoPE) {
    q = apply_rope(q, ctx.rope_cos, ctx.rope_sin);
    k = apply_rope(k, ctx.rope_cos, ctx.rope_sin);
  }
  if (cache) std::tie(k, v) = cache->append(static_cast<size_t>(layer), k, v);
  if (config_.position != PositionType::ALiBi && fused_attention_enabled()) {
    const double scale = 1.0 / std::sqrt(double(D));
    // A prompt's first forward has no cached keys: it is plain causal attention.
    if (causal_attention_applies(q, k, v)) {
      return o_proj(select_rows(causal_attention(q, k, v, ctx.key_mask, scale), rows), adapter);
    }
    if (cached_attention_applies(q, k, v)) {
      return o_proj(select_rows(cached_attention(q, k, v, ctx.key_mask, scale), rows), adapter);
    }
  }
  if (Hkv != H) {  // grouped-query attention: each key/value head serves H / Hkv query heads
    k = k.repeat_interleave(H / Hkv, 1);
    v = v.repeat_interleave(H / Hkv, 1);
  }
  // The scale goes on q (T x D values, not T x S); contiguous_bmm keeps BLAS on its fast path.
  const int64_t S = k.size(2);
  auto q3 = (q * (1.0 / std::sqrt(static_cast<double>(D)))).reshape({B * H, T, D});
  auto kt = k.transpose(-2, -1).contiguous().view({B * H, D, S});
  auto scores = contiguous_bmm(q3, kt).view({B, H, T, S}).to(torch::kFloat) + ctx.additive_mask;
  auto probs = torch::softmax(scores, -1).to(v.scalar_type());
  auto out = contiguous_bmm(probs.view({B * H, T, S}), v.reshape({B * H, S, D}))
                 .view({B, H, T, D})
                 .transpose(1, 2)
                 .reshape({B, T, H * D});
  return o_proj(select_rows(out, rows), adapter);
}

// ----------------------------------------------------------------------------------------- MLP

MlpImpl::MlpImpl(const ModelConfig& config, WeightsInit init) : type_(config.mlp) {
  up_proj =
      register_module("up_proj", LoraLinear(config.d_model, config.d_ff, config.mlp_bias, init));
  if (type_ == MlpType::SwiGLU) {
    gate_proj = register_module("gate_proj",
                                LoraLinear(config.d_model, config.d_ff, config.mlp_bias, init));
  }
  down_proj =
      register_module("down_proj", LoraLinear(config.d_ff, config.d_model, config.mlp_bias, init));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x, AdapterId adapter) {
  if (type_ == MlpType::SwiGLU) {
    return down_proj(activate(type_, gate_proj(x, adapter)) * up_proj(x, adapter), adapter);
  }
  return down_proj(activate(type_, up_proj(x, adapter)), adapter);
}

// --------------------------------------------------------------------------------------- Block

BlockImpl::BlockImpl(const ModelConfig& config, WeightsInit init) : post_norm_(config.post_norm) {
  attn_norm =
      register_module("attn_norm", Norm(config.norm, config.d_model, config.norm_eps, init));
  attn = register_module("attn", Attention(config, init));
  mlp_norm = register_module("mlp_norm", Norm(config.norm, config.d_model, config.norm_eps, init));
  mlp = register_module("mlp", Mlp(config, init));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const AttentionContext& ctx,
                                 KVCache* cache, int64_t layer, AdapterId adapter,
                                 const torch::Tensor& rows) {
  if (post_norm_) {  // OPT with do_layer_norm_before = false
    auto h = attn_norm(select_rows(x, rows) + attn(x, ctx, cache, layer, adapter, rows));
    return mlp_norm(h + mlp(h, adapter));
  }
  auto h = select_rows(x, rows) + attn(attn_norm(x), ctx, cache, layer, adapter, rows);
  return h + mlp(mlp_norm(h), adapter);
}

// ------------------------------------------------------------------------------- TransformerLM

TransformerLMImpl::TransformerLMImpl(const ModelConfig& config, WeightsInit init)
    : config_(config) {
  config.validate("model config");
  tok_emb = register_module("tok_emb", make_embedding(config.vocab_size, config.token_dim(), init));
  if (init.random) draw_normal(tok_emb->weight, 0.02);
  if (config.token_dim() != config.d_model) {
    proj_in =
        register_module("proj_in", LoraLinear(config.token_dim(), config.d_model, false, init));
  }
  if (config.position == PositionType::Learned) {
    pos_emb = register_module("pos_emb", make_embedding(config.max_seq_len + config.position_offset,
                                                        config.d_model, init));
    if (init.random) draw_normal(pos_emb->weight, 0.01);
  }
  if (config.embed_norm) {
    emb_norm =
        register_module("emb_norm", Norm(config.norm, config.d_model, config.norm_eps, init));
  }
  layers = register_module("layers", torch::nn::ModuleList());
  // GPT-2's init: residual projections scaled down by sqrt(2 * n_layer) to keep activations tame.
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config.n_layer));
  for (int64_t i = 0; i < config.n_layer; ++i) {
    Block block(config, init);
    if (init.random) {
      draw_normal(block->attn->o_proj->weight, residual_std);
      draw_normal(block->mlp->down_proj->weight, residual_std);
    }
    layers->push_back(block);
  }
  if (config.final_norm) {
    norm_f = register_module("norm_f", Norm(config.norm, config.d_model, config.norm_eps, init));
  }
  if (config.token_dim() != config.d_model) {
    proj_out =
        register_module("proj_out", LoraLinear(config.d_model, config.token_dim(), false, init));
  }
  if (!config.tie_embeddings) {
    lm_head =
        register_module("lm_head", LoraLinear(config.token_dim(), config.vocab_size, false, init));
  }
}

torch::ScalarType TransformerLMImpl::compute_dtype() const {
  return sy::compute_dtype(weights_dtype(), tok_emb->weight.device());
}

std::pair<torch::Tensor, torch::Tensor> KVCache::append(size_t layer, const torch::Tensor& k,
                                                        const torch::Tensor& v) {
  const int64_t used = length(), needed = used + k.size(2);
  auto& key_buffer = keys[layer];
  auto& value_buffer = values[layer];
  if (!key_buffer.defined() || key_buffer.size(2) < needed) {
    // Room for 64 more tokens at least, doubling beyond: a few copies per generation.
    const int64_t capacity =
        std::max(needed + 64, key_buffer.defined() ? 2 * key_buffer.size(2) : int64_t(0));
    auto grow = [&](const torch::Tensor& old, const torch::Tensor& like) {
      auto sizes = like.sizes().vec();
      sizes[2] = capacity;
      auto buffer = torch::empty(sizes, like.options());
      if (used > 0) buffer.narrow(2, 0, used).copy_(old.narrow(2, 0, used));
      return buffer;
    };
    key_buffer = grow(key_buffer, k);
    value_buffer = grow(value_buffer, v);
  }
  key_buffer.narrow(2, used, k.size(2)).copy_(k);
  value_buffer.narrow(2, used, v.size(2)).copy_(v);
  return {key_buffer.narrow(2, 0, needed), value_buffer.narrow(2, 0, needed)};
}

KVCache TransformerLMImpl::make_cache() const {
  KVCache cache;
  cache.keys.resize(static_cast<size_t>(config_.n_layer));
  cache.values.resize(static_cast<size_t>(config_.n_layer));
  return cache;
}

AttentionContext TransformerLMImpl::make_context(const torch::Tensor& full_mask, int64_t T,
                                                 torch::ScalarType dtype) const {
  AttentionContext ctx;
  const int64_t S = full_mask.size(1);
  auto mask_long = full_mask.to(torch::kLong);
  // Positions count real tokens only, so left padding does not shift them (as HF does).
  auto all_positions = (mask_long.cumsum(1) - 1).clamp_min(0);  // [B, S]
  ctx.positions = all_positions.narrow(1, S - T, T);
  ctx.key_mask = mask_long;
  auto device = full_mask.device();
  auto key_index = torch::arange(S, torch::TensorOptions().dtype(torch::kLong).device(device));
  auto query_index = key_index.narrow(0, S - T, T);
  auto causal = key_index.unsqueeze(0) <= query_index.unsqueeze(1);   // [T, S]
  auto allowed = causal.unsqueeze(0) & (mask_long.unsqueeze(1) > 0);  // [B, T, S]
  ctx.additive_mask = torch::zeros(allowed.sizes(), torch::TensorOptions().device(device))
                          .masked_fill(allowed.logical_not(), kMasked)
                          .unsqueeze(1);
  if (config_.position == PositionType::ALiBi) {
    auto slopes = alibi_slopes(config_.n_head).to(device);         // [H]
    auto key_pos = (all_positions * mask_long).to(torch::kFloat);  // [B, S]
    ctx.additive_mask =
        ctx.additive_mask + slopes.view({1, -1, 1, 1}) * key_pos.view({key_pos.size(0), 1, 1, S});
  }
  if (config_.position == PositionType::RoPE) {
    std::tie(ctx.rope_cos, ctx.rope_sin) =
        rope_tables(ctx.positions, config_.head_dim(), config_.rope_theta);
    // Computed in FP32, applied in the activations' dtype, as transformers does.
    ctx.rope_cos = ctx.rope_cos.to(dtype);
    ctx.rope_sin = ctx.rope_sin.to(dtype);
  }
  return ctx;
}

torch::Tensor TransformerLMImpl::hidden_states(const torch::Tensor& input_ids,
                                               const torch::Tensor& attention_mask, KVCache* cache,
                                               AdapterId adapter, const torch::Tensor& rows) {
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  torch::Tensor mask = attention_mask.defined()
                           ? attention_mask.to(torch::kLong)
                           : torch::ones({B, T}, input_ids.options().dtype(torch::kLong));
  torch::Tensor full_mask =
      (cache && cache->mask.defined()) ? torch::cat({cache->mask, mask}, 1) : mask;
  if (full_mask.size(1) > config_.max_seq_len && config_.position == PositionType::Learned) {
    throw Error("a sequence of " + std::to_string(full_mask.size(1)) +
                " tokens exceeds the model's context length of " +
                std::to_string(config_.max_seq_len) + " tokens");
  }
  const torch::ScalarType dtype = compute_dtype();
  auto ctx = make_context(full_mask, T, dtype);
  auto x = tok_emb(input_ids).to(dtype);
  if (proj_in) x = proj_in(x, adapter);
  if (pos_emb) x = x + pos_emb(ctx.positions + config_.position_offset);
  if (emb_norm) x = emb_norm(x);
  for (int64_t i = 0; i < config_.n_layer; ++i) {
    const bool last = i + 1 == config_.n_layer;
    x = layers[static_cast<size_t>(i)]->as<Block>()->forward(x, ctx, cache, i, adapter,
                                                             last ? rows : torch::Tensor());
  }
  if (config_.n_layer == 0) x = select_rows(x, rows);
  if (cache) cache->mask = full_mask;
  return norm_f ? norm_f(x) : x;
}

torch::Tensor TransformerLMImpl::logits(const torch::Tensor& hidden) {
  const torch::Tensor h = proj_out ? proj_out(hidden) : hidden;
  if (lm_head) return lm_head(h);
  return dense_linear(h, tok_emb->weight, {});
}

torch::Tensor TransformerLMImpl::forward(const torch::Tensor& input_ids,
                                         const torch::Tensor& attention_mask, KVCache* cache,
                                         AdapterId adapter) {
  return logits(hidden_states(input_ids, attention_mask, cache, adapter));
}

std::vector<std::pair<std::string, std::string>> TransformerLMImpl::layer0_linear_names() {
  std::vector<std::pair<std::string, std::string>> names;
  for (auto& item : named_modules()) {
    if (!item.value()->as<LoraLinearImpl>() || item.key().rfind("layers.0.", 0) != 0) continue;
    const std::string theirs = checkpoint_module_name(config_.family, item.key()).name;
    const size_t at = theirs.find(".0.");
    names.emplace_back(item.key().substr(item.key().rfind('.') + 1),
                       theirs.substr(at == std::string::npos ? 0 : at + 3));
  }
  return names;
}

std::vector<std::string> TransformerLMImpl::resolve_lora_targets(
    const std::vector<std::string>& targets) {
  const auto layer0 = layer0_linear_names();
  std::vector<std::string> out;
  auto add = [&out](const std::string& t) {
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  for (const auto& target : targets) {
    LoraSpec single;
    single.target_modules = {target};
    bool names_theirs = false;
    for (const auto& [ours, theirs] : layer0)
      names_theirs = names_theirs || lora_targets(single, theirs);
    if (names_theirs) {
      add(target);
      continue;
    }
    // Our canonical name: a fused qkv_proj stands for q/k/v_proj and the other way round, so the
    // defaults ("qkv_proj", "o_proj", ...) mean the same layers on every family.
    bool matched = false;
    for (const auto& [ours, theirs] : layer0) {
      const bool qkv_alias =
          (target == "qkv_proj" && (ours == "q_proj" || ours == "k_proj" || ours == "v_proj")) ||
          (ours == "qkv_proj" && (target == "q_proj" || target == "k_proj" || target == "v_proj"));
      if (ours == target || qkv_alias) {
        add(theirs);
        matched = true;
      }
    }
    if (!matched) add(target);  // matches nothing: add_adapter's error lists what exists
  }
  return out;
}

AdapterId TransformerLMImpl::add_adapter(const std::string& name, const LoraSpec& spec) {
  if (name.empty() || name.find('.') != std::string::npos) {
    throw Error("adapter name \"" + name + "\" must be non-empty and contain no '.'");
  }
  if (has_adapter(name)) throw Error("an adapter named \"" + name + "\" already exists");
  if (spec.rank <= 0) throw Error("LoRA field \"r\" must be positive");
  if (spec.dropout < 0.0 || spec.dropout >= 1.0) {
    throw Error("LoRA field \"lora_dropout\" must be in [0, 1)");
  }
  const AdapterId id = static_cast<AdapterId>(adapter_names_.size());
  LoraSpec resolved = spec;
  resolved.target_modules = resolve_lora_targets(spec.target_modules);
  int targeted = 0;
  for (auto& item : named_modules()) {
    auto* layer = item.value()->as<LoraLinearImpl>();
    if (layer && lora_targets(resolved, checkpoint_module_name(config_.family, item.key()).name)) {
      layer->add_adapter(id, name, resolved);
      ++targeted;
    }
  }
  if (targeted == 0) {
    std::string known;  // layer 0's linear layers, named as target_modules name them
    for (const auto& [ours, theirs] : layer0_linear_names()) {
      known += (known.empty() ? "" : ", ") + theirs;
    }
    throw Error(
        "LoRA field \"target_modules\" matches no linear layer of this model; layer 0 has " +
        known);
  }
  adapter_names_.push_back(name);
  adapter_specs_.push_back(resolved);
  return id;
}

void TransformerLMImpl::remove_adapter(const std::string& name) {
  const AdapterId id = adapter_id(name);
  for (auto& item : named_modules()) {
    if (auto* layer = item.value()->as<LoraLinearImpl>()) layer->remove_adapter(id);
  }
  adapter_names_[static_cast<size_t>(id)].clear();
}

bool TransformerLMImpl::has_adapter(const std::string& name) const {
  for (const auto& n : adapter_names_) {
    if (!name.empty() && n == name) return true;
  }
  return false;
}

AdapterId TransformerLMImpl::adapter_id(const std::string& name) const {
  for (size_t i = 0; i < adapter_names_.size(); ++i) {
    if (!name.empty() && adapter_names_[i] == name) return static_cast<AdapterId>(i);
  }
  throw Error("no adapter named \"" + name + "\" is loaded");
}

const LoraSpec& TransformerLMImpl::adapter_spec(AdapterId id) const {
  return adapter_specs_.at(static_cast<size_t>(id));
}

std::vector<std::pair<std::string, LoraLinear>> TransformerLMImpl::adapter_layers(AdapterId id) {
  std::vector<std::pair<std::string, LoraLinear>> out;
  for (auto& item : named_modules()) {
    auto layer = std::dynamic_pointer_cast<LoraLinearImpl>(item.value());
    if (layer && layer->has_adapter(id)) out.emplace_back(item.key(), LoraLinear(layer));
  }
  return out;
}

std::vector<torch::Tensor> TransformerLMImpl::adapter_parameters(AdapterId id) {
  std::vector<torch::Tensor> out;
  for (auto& [name, layer] : adapter_layers(id)) {
    out.push_back(layer->lora_A(id));
    out.push_back(layer->lora_B(id));
  }
  return out;
}

void TransformerLMImpl::merge_adapter(AdapterId id) {
  for (auto& [name, layer] : adapter_layers(id)) layer->merge(id);
}

void TransformerLMImpl::unmerge_adapters() {
  for (auto& item : named_modules()) {
    if (auto* layer = item.value()->as<LoraLinearImpl>()) layer->unmerge();
  }
}

std::vector<std::pair<std::string, torch::Tensor>> TransformerLMImpl::base_parameters() {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& item : named_parameters()) {
    if (item.key().find("lora_") == std::string::npos) out.emplace_back(item.key(), item.value());
  }
  return out;
}

int64_t count_parameters(const std::vector<torch::Tensor>& tensors) {
  int64_t n = 0;
  for (const auto& t : tensors) n += t.numel();
  return n;
}

}  // namespace sy
