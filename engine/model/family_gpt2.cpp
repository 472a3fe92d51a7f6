// GPT-2 (model_type "gpt2"): learned positions, tanh-GELU, tied lm_head, and Conv1D layers that
// store their weights [in, out] (transposed on the way in, and fan_in_fan_out for PEFT).
#include <nlohmann/json.hpp>

#include "engine/model/family_registry.h"

namespace sy {
namespace {

ModelConfig read_gpt2_config(const nlohmann::json& j, const std::string& source) {
  ModelConfig c;
  c.family = "gpt2";
  c.vocab_size = config_int(j, {"vocab_size"}, source);
  c.n_layer = config_int(j, {"n_layer"}, source);
  c.n_head = config_int(j, {"n_head"}, source);
  c.n_kv_head = c.n_head;
  c.d_model = config_int(j, {"n_embd"}, source);
  c.d_ff = config_int_or(j, {"n_inner"}, 4 * c.d_model, source);
  c.max_seq_len = config_int(j, {"n_positions"}, source);
  c.norm = NormType::LayerNorm;
  c.norm_eps = config_number_or(j, "layer_norm_epsilon", 1e-5, source);
  c.position = PositionType::Learned;
  c.mlp = activation_from_name(config_string_or(j, "activation_function", "gelu_new", source),
                               source, "activation_function");
  c.fused_qkv = true;
  c.attn_bias = c.o_bias = c.mlp_bias = true;
  c.tie_embeddings = config_bool_or(j, "tie_word_embeddings", true, source);
  if (!config_bool_or(j, "scale_attn_weights", true, source)) {
    unsupported_setting(source, "scale_attn_weights", "is false (unscaled attention)");
  }
  if (config_bool_or(j, "scale_attn_by_inverse_layer_idx", false, source)) {
    unsupported_setting(source, "scale_attn_by_inverse_layer_idx", "is true");
  }
  if (config_bool_or(j, "add_cross_attention", false, source)) {
    unsupported_setting(source, "add_cross_attention", "is true (an encoder-decoder GPT-2)");
  }
  read_special_token_ids(j, c, source);
  return c;
}

}  // namespace

const ModelFamily& gpt2_family() {
  using T = TensorTransform;
  static const ModelFamily family{
      "gpt2",
      read_gpt2_config,
      {"transformer.", ""},
      {
          {"tok_emb.weight", "{P}wte.weight"},
          {"pos_emb.weight", "{P}wpe.weight"},
          {"layers.{L}.attn_norm.weight", "{P}h.{L}.ln_1.weight"},
          {"layers.{L}.attn_norm.bias", "{P}h.{L}.ln_1.bias"},
          {"layers.{L}.attn.qkv_proj.weight", "{P}h.{L}.attn.c_attn.weight", T::Transpose},
          {"layers.{L}.attn.qkv_proj.bias", "{P}h.{L}.attn.c_attn.bias"},
          {"layers.{L}.attn.o_proj.weight", "{P}h.{L}.attn.c_proj.weight", T::Transpose},
          {"layers.{L}.attn.o_proj.bias", "{P}h.{L}.attn.c_proj.bias"},
          {"layers.{L}.mlp_norm.weight", "{P}h.{L}.ln_2.weight"},
          {"layers.{L}.mlp_norm.bias", "{P}h.{L}.ln_2.bias"},
          {"layers.{L}.mlp.up_proj.weight", "{P}h.{L}.mlp.c_fc.weight", T::Transpose},
          {"layers.{L}.mlp.up_proj.bias", "{P}h.{L}.mlp.c_fc.bias"},
          {"layers.{L}.mlp.down_proj.weight", "{P}h.{L}.mlp.c_proj.weight", T::Transpose},
          {"layers.{L}.mlp.down_proj.bias", "{P}h.{L}.mlp.c_proj.bias"},
          {"norm_f.weight", "{P}ln_f.weight"},
          {"norm_f.bias", "{P}ln_f.bias"},
          {"lm_head.weight", "lm_head.weight"},
      },
      {".attn.bias", ".attn.masked_bias"},
      /*fan_in_fan_out=*/true,
  };
  return family;
}

}  // namespace sy
