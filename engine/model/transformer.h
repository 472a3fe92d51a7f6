// The decoder-only transformer language model, driven by a ModelConfig: pre-norm (or OPT-350m's
// post-norm) blocks of attention (multi-head or grouped-query, learned / RoPE / ALiBi positions)
// and an MLP (GELU / ReLU / SwiGLU), with an optional KV cache for generation. Every linear layer
// is a LoraLinear, so adapters attach to any of them by name. The base weights may be held in
// bf16 or fp16 (weights_dtype.h); norms, the attention's softmax and the loss then run in FP32.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>

#include "engine/model/lora.h"
#include "engine/model/model_config.h"

namespace sy {

// Keys and values of every layer for the tokens seen so far, plus their padding mask. The keys
// and values live in buffers with room to spare, so a decoding step writes only its own token's
// (concatenating copied the whole cache at every step, per layer).
struct KVCache {
  std::vector<torch::Tensor> keys;    // per layer [B, n_kv_head, capacity, head_dim]
  std::vector<torch::Tensor> values;  // per layer [B, n_kv_head, capacity, head_dim]
  torch::Tensor mask;                 // [B, S], 1 for real tokens, 0 for padding
  int64_t length() const { return mask.defined() ? mask.size(1) : 0; }
  // Stores layer `layer`'s keys and values of the T new tokens ([B, n_kv_head, T, head_dim]) after
  // the length() cached ones and returns views of all of them, [B, n_kv_head, length() + T, ...].
  std::pair<torch::Tensor, torch::Tensor> append(size_t layer, const torch::Tensor& k,
                                                 const torch::Tensor& v);
};

// What every layer needs to know about the positions of the current forward call.
// Built once per forward call and shared by the layers, so nothing here is recomputed per layer.
struct AttentionContext {
  torch::Tensor positions;  // [B, T] position of each new token (padding excluded)
  // [B, 1, T, S]: 0 where attention is allowed, large negative where not (plus ALiBi's bias,
  // then [B, H, T, S]), added to the scores in one pass.
  torch::Tensor additive_mask;
  // [B, S] real-token mask of every key, cached ones included: the fused attentions' input.
  torch::Tensor key_mask;
  torch::Tensor rope_cos, rope_sin;  // [B, 1, T, head_dim] for RoPE models, else undefined
};

class NormImpl : public torch::nn::Module {
 public:
  NormImpl(NormType type, int64_t dim, double eps, WeightsInit init = {});
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight, bias;

 private:
  NormType type_;
  double eps_;
};
TORCH_MODULE(Norm);

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(const ModelConfig& config, WeightsInit init);
  // With `rows` defined (flat indices into B * T), only those positions' outputs are computed
  // after the attention core: [rows, d_model]; otherwise [B, T, d_model].
  torch::Tensor forward(const torch::Tensor& x, const AttentionContext& ctx, KVCache* cache,
                        int64_t layer, AdapterId adapter, const torch::Tensor& rows = {});

  // fused_qkv: qkv_proj; otherwise q_proj, k_proj, v_proj. Always o_proj.
  LoraLinear qkv_proj{nullptr}, q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

 private:
  ModelConfig config_;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(const ModelConfig& config, WeightsInit init);
  torch::Tensor forward(const torch::Tensor& x, AdapterId adapter);
  LoraLinear up_proj{nullptr}, gate_proj{nullptr}, down_proj{nullptr};  // gate only for SwiGLU

 private:
  MlpType type_;
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(const ModelConfig& config, WeightsInit init);
  // `rows` as in AttentionImpl::forward: every position still feeds the keys and values, only the
  // selected ones go on through o_proj and the MLP.
  torch::Tensor forward(const torch::Tensor& x, const AttentionContext& ctx, KVCache* cache,
                        int64_t layer, AdapterId adapter, const torch::Tensor& rows = {});
  Norm attn_norm{nullptr}, mlp_norm{nullptr};
  Attention attn{nullptr};
  Mlp mlp{nullptr};

 private:
  bool post_norm_;
};
TORCH_MODULE(Block);

class TransformerLMImpl : public torch::nn::Module {
 public:
  // The base weights in `init.dtype` (FP32 unless told), drawn at random unless `init.random`
  // is false (a checkpoint fills them); adapters are FP32 whatever the base is.
  explicit TransformerLMImpl(const ModelConfig& config, WeightsInit init = {});

  // input_ids [B, T]; attention_mask [B, T] (1 real, 0 padding; undefined = all real; padding
  // may be on either side). With a cache, the new tokens follow the cached ones and the cache is
  // extended. Returns logits [B, T, vocab].
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                        KVCache* cache = nullptr, AdapterId adapter = kNoAdapter);
  // The last block's hidden states after the final norm (if any), [B, T, d_model]: what the
  // logits are read from (through proj_out where the model has one). With `rows` defined (flat
  // indices into B * T, e.g. a loss's target positions) only those rows, [rows, d_model]: the
  // last block then runs o_proj, its MLP and the final norm on them alone, since no other
  // position's output is read (training's prompt tokens are about 60 % of its rows).
  torch::Tensor hidden_states(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              KVCache* cache = nullptr, AdapterId adapter = kNoAdapter,
                              const torch::Tensor& rows = {});
  torch::Tensor logits(const torch::Tensor& hidden);

  const ModelConfig& config() const { return config_; }
  // The dtype the base weights are held in, and the one activations flow in on the weights'
  // device (compute_dtype in weights_dtype.h).
  torch::ScalarType weights_dtype() const { return tok_emb->weight.scalar_type(); }
  torch::ScalarType compute_dtype() const;
  KVCache make_cache() const;

  // Adapters: one slot per name; every linear layer that the spec targets gets a LoRA. Targets
  // are matched against the family's checkpoint module names (checkpoint_module_name), so a
  // Hugging Face model takes PEFT's target_modules as they are ("q_proj", "c_attn").
  // `spec.target_modules` may name layers as the family's checkpoint does ("c_attn",
  // "self_attn.q_proj") or by our names ("qkv_proj", "o_proj", "up_proj", ...); the adapter keeps
  // them as the family's names, which is what PEFT's adapter_config.json needs.
  AdapterId add_adapter(const std::string& name, const LoraSpec& spec);
  void remove_adapter(const std::string& name);
  AdapterId adapter_id(const std::string& name) const;  // throws when unknown
  bool has_adapter(const std::string& name) const;
  const std::vector<std::string>& adapter_names() const { return adapter_names_; }
  const LoraSpec& adapter_spec(AdapterId id) const;
  // Module path (e.g. "layers.0.attn.qkv_proj") and layer for each linear layer carrying the
  // adapter, in a stable order.
  std::vector<std::pair<std::string, LoraLinear>> adapter_layers(AdapterId id);
  // The trainable tensors of one adapter (A and B of every targeted layer).
  std::vector<torch::Tensor> adapter_parameters(AdapterId id);
  void merge_adapter(AdapterId id);
  void unmerge_adapters();

  // Base-model parameters (everything but adapters), with their checkpoint names.
  std::vector<std::pair<std::string, torch::Tensor>> base_parameters();

  torch::nn::Embedding tok_emb{nullptr}, pos_emb{nullptr};
  Norm emb_norm{nullptr}, norm_f{nullptr};  // norm_f unless config.final_norm is false
  torch::nn::ModuleList layers{nullptr};
  LoraLinear proj_in{nullptr}, proj_out{nullptr};  // only when config.embed_dim != d_model
  LoraLinear lm_head{nullptr};                     // only when embeddings are not tied

 private:
  // Layer 0's linear layers: our leaf name ("qkv_proj") and the family's path inside the layer
  // ("attn.c_attn"; the full path, since GPT-2 has both attn.c_proj and mlp.c_proj).
  std::vector<std::pair<std::string, std::string>> layer0_linear_names();
  std::vector<std::string> resolve_lora_targets(const std::vector<std::string>& targets);
  AttentionContext make_context(const torch::Tensor& full_mask, int64_t new_tokens,
                                torch::ScalarType dtype) const;

  ModelConfig config_;
  std::vector<std::string> adapter_names_;  // index = AdapterId; "" for a removed slot
  std::vector<LoraSpec> adapter_specs_;
};
TORCH_MODULE(TransformerLM);

int64_t count_parameters(const std::vector<torch::Tensor>& tensors);

}  // namespace sy
