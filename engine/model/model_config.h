// The shape and numerics of a decoder-only transformer. One config expresses the families we
// load (GPT-2, BLOOM, OPT, Llama/Qwen2) and the built-in byte-level model.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/data/prompt_template.h"

namespace sy {

enum class NormType { LayerNorm, RMSNorm };
enum class PositionType { Learned, RoPE, ALiBi };
enum class MlpType { GELU, GELUTanh, ReLU, SwiGLU };

struct ModelConfig {
  std::string family = "switchyard";  // which name table maps checkpoint tensors onto ours
  int64_t vocab_size = 259;
  int64_t n_layer = 4;
  int64_t n_head = 4;
  int64_t n_kv_head = 4;  // < n_head: grouped-query attention
  int64_t d_model = 128;
  int64_t d_ff = 512;
  int64_t max_seq_len = 256;
  NormType norm = NormType::LayerNorm;
  double norm_eps = 1e-5;
  PositionType position = PositionType::Learned;
  int64_t position_offset = 0;  // OPT stores learned positions shifted by 2
  double rope_theta = 10000.0;
  MlpType mlp = MlpType::GELU;
  bool fused_qkv = true;  // one qkv_proj (GPT-2, BLOOM) or q/k/v_proj (Llama, OPT)
  bool attn_bias = true;  // biases on q/k/v (and o unless o_bias says otherwise)
  bool o_bias = true;
  bool mlp_bias = true;
  bool embed_norm = false;  // BLOOM normalises the embeddings
  // OPT-350m's post-LN blocks: x = norm(x + attn(x)), x = norm(x + mlp(x)); else pre-norm blocks.
  bool post_norm = false;
  bool final_norm = true;  // a norm after the last block (post-LN OPT has none)
  // Width of the token embeddings when it differs from d_model (OPT-350m): a project_in layer
  // lifts them to d_model, a project_out layer brings the last hidden state back. 0 = d_model.
  int64_t embed_dim = 0;
  bool tie_embeddings = true;
  int64_t bos_id = 257;
  int64_t eos_id = 258;
  int64_t pad_id = 256;
  // More ids that end an answer: Hugging Face configs may list several (Llama 3 Instruct's
  // <|end_of_text|>, <|eom_id|>, <|eot_id|>); eos_id is the first, the one training appends.
  std::vector<int64_t> extra_eos_ids;
  // How the model is asked (engine/data/prompt_template.h); a config without the field, as every
  // Hugging Face one, means Alpaca.
  PromptTemplate prompt_template = PromptTemplate::Alpaca;

  int64_t head_dim() const { return d_model / n_head; }
  int64_t token_dim() const { return embed_dim > 0 ? embed_dim : d_model; }
  bool is_eos(int64_t id) const {
    return id == eos_id ||
           std::find(extra_eos_ids.begin(), extra_eos_ids.end(), id) != extra_eos_ids.end();
  }
  // Throws sy::Error naming `source` and the field when a value is out of range.
  void validate(const std::string& source) const;
};

// JSON form used in config.json of our checkpoints and in experiment files.
nlohmann::json to_json(const ModelConfig& config);
// Unknown fields are ignored; a present field of the wrong type or value is an error naming it.
ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& source);

// The built-in ~1M-parameter byte-level model (see resources/base-model/README.md).
ModelConfig builtin_model_config();

}  // namespace sy
