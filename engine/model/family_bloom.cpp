// BLOOM (model_type "bloom"): ALiBi positions, a LayerNorm on the embeddings, tanh-GELU, tied
// lm_head, and a fused query_key_value whose rows run per head (permuted into our q, k, v order).
#include <nlohmann/json.hpp>

#include "engine/model/family_registry.h"

namespace sy {
namespace {

ModelConfig read_bloom_config(const nlohmann::json& j, const std::string& source) {
  ModelConfig c;
  c.family = "bloom";
  c.vocab_size = config_int(j, {"vocab_size"}, source);
  c.n_layer = config_int(j, {"n_layer", "num_hidden_layers"}, source);
  c.n_head = config_int(j, {"n_head", "num_attention_heads"}, source);
  c.n_kv_head = c.n_head;
  c.d_model = config_int(j, {"hidden_size", "n_embed"}, source);
  c.d_ff = 4 * c.d_model;
  // ALiBi has no position table; this only bounds what training and the switch feed it.
  c.max_seq_len = config_int_or(j, {"seq_length"}, 2048, source);
  c.norm = NormType::LayerNorm;
  c.norm_eps = config_number_or(j, "layer_norm_epsilon", 1e-5, source);
  c.position = PositionType::ALiBi;
  c.mlp = MlpType::GELUTanh;  // bloom_gelu_forward: x/2 (1 + tanh(0.79788456 x (1 + 0.044715 x^2)))
  c.fused_qkv = true;
  c.attn_bias = c.o_bias = c.mlp_bias = true;
  c.embed_norm = true;
  c.tie_embeddings = config_bool_or(j, "tie_word_embeddings", true, source);
  if (config_bool_or(j, "apply_residual_connection_post_layernorm", false, source)) {
    unsupported_setting(source, "apply_residual_connection_post_layernorm", "is true");
  }
  read_special_token_ids(j, c, source);
  return c;
}

}  // namespace

const ModelFamily& bloom_family() {
  using T = TensorTransform;
  static const ModelFamily family{
      "bloom",
      read_bloom_config,
      {"transformer.", ""},
      {
          {"tok_emb.weight", "{P}word_embeddings.weight"},
          {"emb_norm.weight", "{P}word_embeddings_layernorm.weight"},
          {"emb_norm.bias", "{P}word_embeddings_layernorm.bias"},
          {"layers.{L}.attn_norm.weight", "{P}h.{L}.input_layernorm.weight"},
          {"layers.{L}.attn_norm.bias", "{P}h.{L}.input_layernorm.bias"},
          {"layers.{L}.attn.qkv_proj.weight", "{P}h.{L}.self_attention.query_key_value.weight",
           T::BloomQkv},
          {"layers.{L}.attn.qkv_proj.bias", "{P}h.{L}.self_attention.query_key_value.bias",
           T::BloomQkv},
          {"layers.{L}.attn.o_proj.weight", "{P}h.{L}.self_attention.dense.weight"},
          {"layers.{L}.attn.o_proj.bias", "{P}h.{L}.self_attention.dense.bias"},
          {"layers.{L}.mlp_norm.weight", "{P}h.{L}.post_attention_layernorm.weight"},
          {"layers.{L}.mlp_norm.bias", "{P}h.{L}.post_attention_layernorm.bias"},
          {"layers.{L}.mlp.up_proj.weight", "{P}h.{L}.mlp.dense_h_to_4h.weight"},
          {"layers.{L}.mlp.up_proj.bias", "{P}h.{L}.mlp.dense_h_to_4h.bias"},
          {"layers.{L}.mlp.down_proj.weight", "{P}h.{L}.mlp.dense_4h_to_h.weight"},
          {"layers.{L}.mlp.down_proj.bias", "{P}h.{L}.mlp.dense_4h_to_h.bias"},
          {"norm_f.weight", "{P}ln_f.weight"},
          {"norm_f.bias", "{P}ln_f.bias"},
          {"lm_head.weight", "lm_head.weight"},
      },
      {},
  };
  return family;
}

}  // namespace sy
