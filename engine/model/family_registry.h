// The model families Switchyard reads from Hugging Face folders, keyed by config.json's
// "model_type" (one loader per config class, as CTranslate2 registers them). Each family is one
// file (family_gpt2.cpp, family_bloom.cpp, family_opt.cpp, family_llama.cpp) holding only how to
// read its config.json and a table mapping its tensor names onto ours; the layers are shared
// (transformer.cpp) and the loading is shared (hf_checkpoint.cpp). Torch-free.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/model/model_config.h"

namespace sy {

// How a checkpoint tensor becomes ours.
enum class TensorTransform {
  None,
  Transpose,  // GPT-2's Conv1D stores [in, out]; our linear layers hold [out, in]
  // BLOOM's fused query_key_value rows run per head [h0 q, h0 k, h0 v, h1 q, ...]; ours run
  // [q (all heads), k, v]. A LoRA B on that layer has its rows permuted the same way.
  BloomQkv,
};

// One row of a family's name table. "{L}" stands for the layer index; "{P}" for the base-model
// prefix the checkpoint uses (e.g. "transformer." or nothing for GPT-2).
struct TensorName {
  const char* ours;    // "layers.{L}.attn.q_proj.weight"
  const char* theirs;  // "{P}layers.{L}.self_attn.q_proj.weight"
  TensorTransform transform = TensorTransform::None;
};

struct ModelFamily {
  const char* model_type;  // config.json's "model_type"
  // config.json -> ModelConfig (family = model_type); errors name `source` and the field.
  ModelConfig (*read_config)(const nlohmann::json& config, const std::string& source);
  // Base-model prefixes a checkpoint may use; the first is the one the *ForCausalLM class uses,
  // and so the one in PEFT's module names.
  std::vector<std::string> prefixes;
  // Every tensor our model may have for this family; which of them it has follows the config.
  std::vector<TensorName> tensors;
  // Name endings of non-parameter buffers some checkpoints carry (GPT-2's attn.bias).
  std::vector<std::string> ignored_suffixes;
  bool fan_in_fan_out = false;  // linear weights stored [in, out] (PEFT's flag of that name)
};

const ModelFamily& gpt2_family();
const ModelFamily& bloom_family();
const ModelFamily& opt_family();
const ModelFamily& llama_family();
const ModelFamily& qwen2_family();

// nullptr for a model_type we do not read (our own "switchyard" format included).
const ModelFamily* find_family(const std::string& model_type);
// "switchyard, gpt2, bloom, opt, llama, qwen2": for error messages and docs.
std::string supported_model_types();

// A tensor or module name in the family's checkpoint, with the transform that leads to ours.
struct CheckpointName {
  std::string name;
  TensorTransform transform = TensorTransform::None;
};

// Our tensor name ("layers.3.attn.q_proj.weight") in the family's checkpoint under `prefix`.
// Throws sy::Error when the family's table has no row for it (a bug in the table).
CheckpointName checkpoint_tensor_name(const ModelFamily& family, const std::string& ours,
                                      const std::string& prefix);
// Our module name ("layers.3.attn.q_proj") as the family's *ForCausalLM names it
// ("model.layers.3.self_attn.q_proj"): PEFT's module names and the names target_modules match.
// The family is ModelConfig::family; for "switchyard" (and anything unmapped) the name is ours.
CheckpointName checkpoint_module_name(const std::string& family, const std::string& ours);

// Reading config.json fields, every error naming `source` and the field. `names` are a field's
// spellings, first found wins (BLOOM writes "n_embed" where others write "hidden_size").
int64_t config_int(const nlohmann::json& config, std::initializer_list<const char*> names,
                   const std::string& source);
int64_t config_int_or(const nlohmann::json& config, std::initializer_list<const char*> names,
                      int64_t fallback, const std::string& source);
double config_number_or(const nlohmann::json& config, const char* name, double fallback,
                        const std::string& source);
bool config_bool_or(const nlohmann::json& config, const char* name, bool fallback,
                    const std::string& source);
std::string config_string_or(const nlohmann::json& config, const char* name,
                             const std::string& fallback, const std::string& source);
// bos_token_id, eos_token_id (the first of a list), pad_token_id (else eos) into `config`.
void read_special_token_ids(const nlohmann::json& j, ModelConfig& config,
                            const std::string& source);
// Every id of `j`'s "eos_token_id" (an id or a list) that `config` does not stop at yet: the first
// becomes eos_id when there is none, the others extra_eos_ids (config.json and
// generation_config.json both hold the field, and may differ).
void add_extra_eos_ids(const nlohmann::json& j, ModelConfig& config, const std::string& source);
// HF's activation names (activation_function / hidden_act) as our MLP type.
MlpType activation_from_name(const std::string& name, const std::string& source, const char* field);
// Throws sy::Error naming `source` and `field` with `why` (for settings we do not implement).
[[noreturn]] void unsupported_setting(const std::string& source, const char* field,
                                      const std::string& why);

}  // namespace sy
