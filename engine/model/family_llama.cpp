// Llama (model_type "llama") and Qwen2 ("qwen2"): RMSNorm, RoPE (HF's rotate_half), grouped-query
// attention, SwiGLU, an untied lm_head unless tie_word_embeddings. Qwen2 differs only in biases
// (on q, k and v; none on o) and in leaving sliding-window attention as an option.
#include <nlohmann/json.hpp>

#include "engine/model/family_registry.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace {

// rope_theta where the config keeps it: top level (most configs), else inside the
// "rope_parameters" (newer transformers) or "rope_scaling" dict. Only plain RoPE is implemented:
// a scaling type other than "default" is refused.
double read_rope_theta(const nlohmann::json& j, const std::string& source) {
  // A value that is there must be usable: a negative or zero theta is damage, not "the default".
  const auto given = [&](const nlohmann::json& dict, const std::string& where) {
    const double value = config_number_or(dict, "rope_theta", 0.0, where);
    if (dict.contains("rope_theta") && !dict["rope_theta"].is_null() &&
        !(value > 0.0 && value < 1e300)) {
      throw Error(where + ": field \"rope_theta\" is " + json_excerpt(dict["rope_theta"]) +
                  "; expected a positive number");
    }
    return value;
  };
  double theta = given(j, source);
  for (const char* dict : {"rope_parameters", "rope_scaling"}) {
    auto it = j.find(dict);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_object()) throw Error(source + ": field \"" + dict + "\" must be an object");
    const std::string type = config_string_or(
        *it, "rope_type", config_string_or(*it, "type", "default", source), source);
    if (type != "default") {
      unsupported_setting(source, dict, "asks for RoPE scaling \"" + type + "\"");
    }
    if (theta <= 0.0) theta = given(*it, source + " (" + dict + ")");
  }
  return theta > 0.0 ? theta : 10000.0;
}

ModelConfig read_common(const nlohmann::json& j, const std::string& source, const char* family) {
  ModelConfig c;
  c.family = family;
  c.vocab_size = config_int(j, {"vocab_size"}, source);
  c.n_layer = config_int(j, {"num_hidden_layers"}, source);
  c.n_head = config_int(j, {"num_attention_heads"}, source);
  c.n_kv_head = config_int_or(j, {"num_key_value_heads"}, c.n_head, source);
  c.d_model = config_int(j, {"hidden_size"}, source);
  c.d_ff = config_int(j, {"intermediate_size"}, source);
  c.max_seq_len = config_int(j, {"max_position_embeddings"}, source);
  c.norm = NormType::RMSNorm;
  c.norm_eps = config_number_or(j, "rms_norm_eps", 1e-6, source);
  c.position = PositionType::RoPE;
  c.rope_theta = read_rope_theta(j, source);
  c.mlp = MlpType::SwiGLU;
  c.fused_qkv = false;
  c.tie_embeddings = config_bool_or(j, "tie_word_embeddings", false, source);
  const std::string act = config_string_or(j, "hidden_act", "silu", source);
  if (act != "silu") unsupported_setting(source, "hidden_act", "is \"" + act + "\", not \"silu\"");
  if (c.n_head > 0 && c.d_model % c.n_head == 0 &&
      config_int_or(j, {"head_dim"}, c.d_model / c.n_head, source) != c.d_model / c.n_head) {
    unsupported_setting(source, "head_dim", "differs from hidden_size / num_attention_heads");
  }
  if (auto types = j.find("layer_types"); types != j.end() && types->is_array()) {
    for (const auto& type : *types) {
      if (type != "full_attention") {
        unsupported_setting(source, "layer_types",
                            "holds " + json_excerpt(type) + "; only full attention is implemented");
      }
    }
  }
  read_special_token_ids(j, c, source);
  return c;
}

ModelConfig read_llama_config(const nlohmann::json& j, const std::string& source) {
  ModelConfig c = read_common(j, source, "llama");
  c.attn_bias = c.o_bias = config_bool_or(j, "attention_bias", false, source);
  c.mlp_bias = config_bool_or(j, "mlp_bias", false, source);
  return c;
}

ModelConfig read_qwen2_config(const nlohmann::json& j, const std::string& source) {
  ModelConfig c = read_common(j, source, "qwen2");
  c.attn_bias = true;
  c.o_bias = false;
  c.mlp_bias = false;
  if (config_bool_or(j, "use_sliding_window", false, source)) {
    unsupported_setting(source, "use_sliding_window", "is true (sliding-window attention)");
  }
  return c;
}

const std::vector<TensorName>& llama_tensors() {
  static const std::vector<TensorName> tensors{
      {"tok_emb.weight", "{P}embed_tokens.weight"},
      {"layers.{L}.attn_norm.weight", "{P}layers.{L}.input_layernorm.weight"},
      {"layers.{L}.attn.q_proj.weight", "{P}layers.{L}.self_attn.q_proj.weight"},
      {"layers.{L}.attn.q_proj.bias", "{P}layers.{L}.self_attn.q_proj.bias"},
      {"layers.{L}.attn.k_proj.weight", "{P}layers.{L}.self_attn.k_proj.weight"},
      {"layers.{L}.attn.k_proj.bias", "{P}layers.{L}.self_attn.k_proj.bias"},
      {"layers.{L}.attn.v_proj.weight", "{P}layers.{L}.self_attn.v_proj.weight"},
      {"layers.{L}.attn.v_proj.bias", "{P}layers.{L}.self_attn.v_proj.bias"},
      {"layers.{L}.attn.o_proj.weight", "{P}layers.{L}.self_attn.o_proj.weight"},
      {"layers.{L}.attn.o_proj.bias", "{P}layers.{L}.self_attn.o_proj.bias"},
      {"layers.{L}.mlp_norm.weight", "{P}layers.{L}.post_attention_layernorm.weight"},
      {"layers.{L}.mlp.gate_proj.weight", "{P}layers.{L}.mlp.gate_proj.weight"},
      {"layers.{L}.mlp.gate_proj.bias", "{P}layers.{L}.mlp.gate_proj.bias"},
      {"layers.{L}.mlp.up_proj.weight", "{P}layers.{L}.mlp.up_proj.weight"},
      {"layers.{L}.mlp.up_proj.bias", "{P}layers.{L}.mlp.up_proj.bias"},
      {"layers.{L}.mlp.down_proj.weight", "{P}layers.{L}.mlp.down_proj.weight"},
      {"layers.{L}.mlp.down_proj.bias", "{P}layers.{L}.mlp.down_proj.bias"},
      {"norm_f.weight", "{P}norm.weight"},
      {"lm_head.weight", "lm_head.weight"},
  };
  return tensors;
}

}  // namespace

const ModelFamily& llama_family() {
  static const ModelFamily family{
      "llama", read_llama_config, {"model.", ""}, llama_tensors(), {".rotary_emb.inv_freq"}};
  return family;
}

const ModelFamily& qwen2_family() {
  static const ModelFamily family{
      "qwen2", read_qwen2_config, {"model.", ""}, llama_tensors(), {".rotary_emb.inv_freq"}};
  return family;
}

}  // namespace sy
