// Reading, writing and checking model configs; every error names the source file and the field.
#include "engine/model/model_config.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/tokenizer.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace {

template <typename Enum>
struct EnumName {
  Enum value;
  const char* name;
};

constexpr EnumName<NormType> kNormNames[] = {{NormType::LayerNorm, "layernorm"},
                                             {NormType::RMSNorm, "rmsnorm"}};
constexpr EnumName<PositionType> kPositionNames[] = {{PositionType::Learned, "learned"},
                                                     {PositionType::RoPE, "rope"},
                                                     {PositionType::ALiBi, "alibi"}};
constexpr EnumName<MlpType> kMlpNames[] = {{MlpType::GELU, "gelu"},
                                           {MlpType::GELUTanh, "gelu_tanh"},
                                           {MlpType::ReLU, "relu"},
                                           {MlpType::SwiGLU, "swiglu"}};
constexpr EnumName<PromptTemplate> kPromptTemplateNames[] = {{PromptTemplate::Alpaca, "alpaca"},
                                                             {PromptTemplate::Compact, "compact"}};

template <typename Enum, size_t N>
const char* enum_name(const EnumName<Enum> (&table)[N], Enum value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

template <typename Enum, size_t N>
Enum enum_from(const EnumName<Enum> (&table)[N], const std::string& text, const std::string& source,
               const char* field) {
  std::string known;
  for (const auto& entry : table) {
    if (entry.name == text) return entry.value;
    known += (known.empty() ? "" : ", ") + std::string(entry.name);
  }
  throw Error(source + ": field \"" + field + "\" is \"" + text + "\"; expected one of " + known +
              ".");
}

template <typename T>
void read_field(const nlohmann::json& j, const char* field, T& out, const std::string& source) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return;
  // get<int64_t>() would wrap an unsigned value above INT64_MAX to a negative one.
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!it->is_number_integer() ||
        (it->is_number_unsigned() &&
         it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
      throw Error(source + ": field \"" + field + "\" must be an integer, not " +
                  json_excerpt(*it) + ".");
    }
  }
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(source + ": field \"" + field + "\" has the wrong type (" + it->type_name() + ").");
  }
}

void require(bool ok, const std::string& source, const char* field,
             const std::string& expectation) {
  if (!ok) throw Error(source + ": field \"" + field + "\" " + expectation + ".");
}

}  // namespace

// Bounds far above any published model, so that a damaged or hostile config.json is refused
// before a tensor of its sizes is allocated (or an int64 product of them overflows).
constexpr int64_t kMaxLayers = 1024;                 // ~130
constexpr int64_t kMaxHeads = 1024;                  // ~128
constexpr int64_t kMaxWidth = int64_t{1} << 17;      // d_model, embed_dim: ~25 k
constexpr int64_t kMaxFfWidth = int64_t{1} << 20;    // d_ff: ~100 k
constexpr int64_t kMaxPositions = int64_t{1} << 24;  // ~10 M tokens of context

void ModelConfig::validate(const std::string& source) const {
  auto within = [&](int64_t value, int64_t min, int64_t max, const char* field) {
    require(value >= min && value <= max, source, field,
            "is " + std::to_string(value) + "; expected " + std::to_string(min) + " to " +
                std::to_string(max));
  };
  within(vocab_size, 1, kMaxVocabSize, "vocab_size");
  within(n_layer, 1, kMaxLayers, "n_layer");
  within(n_head, 1, kMaxHeads, "n_head");
  within(d_model, 1, kMaxWidth, "d_model");
  require(d_model % n_head == 0, source, "d_model",
          "is " + std::to_string(d_model) + "; expected a multiple of n_head (" +
              std::to_string(n_head) + ")");
  within(n_kv_head, 1, n_head, "n_kv_head");
  require(n_head % n_kv_head == 0, source, "n_kv_head", "must divide n_head");
  require(!fused_qkv || n_kv_head == n_head, source, "n_kv_head",
          "must equal n_head when fused_qkv is true");
  within(d_ff, 1, kMaxFfWidth, "d_ff");
  within(max_seq_len, 1, kMaxPositions, "max_seq_len");
  within(position_offset, 0, kMaxPositions, "position_offset");
  within(embed_dim, 0, kMaxWidth, "embed_dim");
  require(std::isfinite(norm_eps) && norm_eps > 0 && norm_eps < 1, source, "norm_eps",
          "must be a positive number below 1");
  require(position != PositionType::RoPE || (std::isfinite(rope_theta) && rope_theta > 0), source,
          "rope_theta", "must be a positive finite number");
  require(position != PositionType::RoPE || head_dim() % 2 == 0, source, "d_model",
          "must give an even head dimension for RoPE");
  // Special ids index the embedding table; -1 means "none".
  within(bos_id, -1, vocab_size - 1, "bos_id");
  within(eos_id, -1, vocab_size - 1, "eos_id");
  within(pad_id, -1, vocab_size - 1, "pad_id");
  for (int64_t id : extra_eos_ids) within(id, 0, vocab_size - 1, "eos_token_id");
}

nlohmann::json to_json(const ModelConfig& c) {
  return {{"family", c.family},
          {"vocab_size", c.vocab_size},
          {"n_layer", c.n_layer},
          {"n_head", c.n_head},
          {"n_kv_head", c.n_kv_head},
          {"d_model", c.d_model},
          {"d_ff", c.d_ff},
          {"max_seq_len", c.max_seq_len},
          {"norm", enum_name(kNormNames, c.norm)},
          {"norm_eps", c.norm_eps},
          {"position", enum_name(kPositionNames, c.position)},
          {"position_offset", c.position_offset},
          {"rope_theta", c.rope_theta},
          {"mlp", enum_name(kMlpNames, c.mlp)},
          {"fused_qkv", c.fused_qkv},
          {"attn_bias", c.attn_bias},
          {"o_bias", c.o_bias},
          {"mlp_bias", c.mlp_bias},
          {"embed_norm", c.embed_norm},
          {"post_norm", c.post_norm},
          {"final_norm", c.final_norm},
          {"embed_dim", c.embed_dim},
          {"tie_embeddings", c.tie_embeddings},
          {"bos_id", c.bos_id},
          {"eos_id", c.eos_id},
          {"pad_id", c.pad_id},
          {"prompt_template", enum_name(kPromptTemplateNames, c.prompt_template)}};
}

ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw Error(source + ": expected a JSON object holding the model config.");
  ModelConfig c;
  read_field(j, "family", c.family, source);
  read_field(j, "vocab_size", c.vocab_size, source);
  read_field(j, "n_layer", c.n_layer, source);
  read_field(j, "n_head", c.n_head, source);
  c.n_kv_head = c.n_head;
  read_field(j, "n_kv_head", c.n_kv_head, source);
  read_field(j, "d_model", c.d_model, source);
  read_field(j, "d_ff", c.d_ff, source);
  read_field(j, "max_seq_len", c.max_seq_len, source);
  read_field(j, "norm_eps", c.norm_eps, source);
  read_field(j, "position_offset", c.position_offset, source);
  read_field(j, "rope_theta", c.rope_theta, source);
  read_field(j, "fused_qkv", c.fused_qkv, source);
  read_field(j, "attn_bias", c.attn_bias, source);
  read_field(j, "o_bias", c.o_bias, source);
  read_field(j, "mlp_bias", c.mlp_bias, source);
  read_field(j, "embed_norm", c.embed_norm, source);
  read_field(j, "post_norm", c.post_norm, source);
  read_field(j, "final_norm", c.final_norm, source);
  read_field(j, "embed_dim", c.embed_dim, source);
  read_field(j, "tie_embeddings", c.tie_embeddings, source);
  read_field(j, "bos_id", c.bos_id, source);
  read_field(j, "eos_id", c.eos_id, source);
  read_field(j, "pad_id", c.pad_id, source);
  std::string text;
  if (read_field(j, "norm", text = "", source), !text.empty())
    c.norm = enum_from(kNormNames, text, source, "norm");
  if (read_field(j, "position", text = "", source), !text.empty())
    c.position = enum_from(kPositionNames, text, source, "position");
  if (read_field(j, "mlp", text = "", source), !text.empty())
    c.mlp = enum_from(kMlpNames, text, source, "mlp");
  if (read_field(j, "prompt_template", text = "", source), !text.empty())
    c.prompt_template = enum_from(kPromptTemplateNames, text, source, "prompt_template");
  c.validate(source);
  return c;
}

ModelConfig builtin_model_config() {
  ModelConfig c;  // byte-level vocabulary, 4 layers of width 128: about 0.8 M parameters
  c.position = PositionType::RoPE;
  c.prompt_template = PromptTemplate::Compact;
  return c;
}

}  // namespace sy
