// OPT (model_type "opt"): learned positions stored with an offset of 2, ReLU, tied lm_head;
// pre-LN blocks, or post-LN ones (do_layer_norm_before = false: the norms follow the residual
// adds and there is no final norm); project_in / project_out where word_embed_proj_dim differs
// from hidden_size (OPT-350m).
#include <nlohmann/json.hpp>

#include "engine/model/family_registry.h"

namespace sy {
namespace {

ModelConfig read_opt_config(const nlohmann::json& j, const std::string& source) {
  ModelConfig c;
  c.family = "opt";
  c.vocab_size = config_int(j, {"vocab_size"}, source);
  c.n_layer = config_int(j, {"num_hidden_layers"}, source);
  c.n_head = config_int(j, {"num_attention_heads"}, source);
  c.n_kv_head = c.n_head;
  c.d_model = config_int(j, {"hidden_size"}, source);
  c.d_ff = config_int(j, {"ffn_dim"}, source);
  c.max_seq_len = config_int(j, {"max_position_embeddings"}, source);
  c.norm = NormType::LayerNorm;
  c.norm_eps = 1e-5;  // nn.LayerNorm's default; OPT's config has no field for it
  c.position = PositionType::Learned;
  c.position_offset = 2;
  c.mlp = activation_from_name(config_string_or(j, "activation_function", "relu", source), source,
                               "activation_function");
  c.fused_qkv = false;
  c.attn_bias = c.o_bias = c.mlp_bias = config_bool_or(j, "enable_bias", true, source);
  const bool pre_norm = config_bool_or(j, "do_layer_norm_before", true, source);
  c.post_norm = !pre_norm;
  c.final_norm = pre_norm && !config_bool_or(j, "_remove_final_layer_norm", false, source);
  const int64_t embed_dim = config_int_or(j, {"word_embed_proj_dim"}, c.d_model, source);
  c.embed_dim = embed_dim == c.d_model ? 0 : embed_dim;
  c.tie_embeddings = config_bool_or(j, "tie_word_embeddings", true, source);
  if (!config_bool_or(j, "layer_norm_elementwise_affine", true, source)) {
    unsupported_setting(source, "layer_norm_elementwise_affine", "is false");
  }
  read_special_token_ids(j, c, source);
  return c;
}

}  // namespace

const ModelFamily& opt_family() {
  static const ModelFamily family{
      "opt",
      read_opt_config,
      {"model.decoder.", "decoder."},
      {
          {"tok_emb.weight", "{P}embed_tokens.weight"},
          {"pos_emb.weight", "{P}embed_positions.weight"},
          {"proj_in.weight", "{P}project_in.weight"},
          {"proj_out.weight", "{P}project_out.weight"},
          {"layers.{L}.attn_norm.weight", "{P}layers.{L}.self_attn_layer_norm.weight"},
          {"layers.{L}.attn_norm.bias", "{P}layers.{L}.self_attn_layer_norm.bias"},
          {"layers.{L}.attn.q_proj.weight", "{P}layers.{L}.self_attn.q_proj.weight"},
          {"layers.{L}.attn.q_proj.bias", "{P}layers.{L}.self_attn.q_proj.bias"},
          {"layers.{L}.attn.k_proj.weight", "{P}layers.{L}.self_attn.k_proj.weight"},
          {"layers.{L}.attn.k_proj.bias", "{P}layers.{L}.self_attn.k_proj.bias"},
          {"layers.{L}.attn.v_proj.weight", "{P}layers.{L}.self_attn.v_proj.weight"},
          {"layers.{L}.attn.v_proj.bias", "{P}layers.{L}.self_attn.v_proj.bias"},
          {"layers.{L}.attn.o_proj.weight", "{P}layers.{L}.self_attn.out_proj.weight"},
          {"layers.{L}.attn.o_proj.bias", "{P}layers.{L}.self_attn.out_proj.bias"},
          {"layers.{L}.mlp_norm.weight", "{P}layers.{L}.final_layer_norm.weight"},
          {"layers.{L}.mlp_norm.bias", "{P}layers.{L}.final_layer_norm.bias"},
          {"layers.{L}.mlp.up_proj.weight", "{P}layers.{L}.fc1.weight"},
          {"layers.{L}.mlp.up_proj.bias", "{P}layers.{L}.fc1.bias"},
          {"layers.{L}.mlp.down_proj.weight", "{P}layers.{L}.fc2.weight"},
          {"layers.{L}.mlp.down_proj.bias", "{P}layers.{L}.fc2.bias"},
          {"norm_f.weight", "{P}final_layer_norm.weight"},
          {"norm_f.bias", "{P}final_layer_norm.bias"},
          {"lm_head.weight", "lm_head.weight"},
      },
      {},
  };
  return family;
}

}  // namespace sy
