// LoRA adapters on disk in PEFT's layout: adapter_model.safetensors with tensors named
// "base_model.model.<module>.lora_A.weight" / "...lora_B.weight", and adapter_config.json.
// <module> is the name the model's family gives the layer ("model.layers.0.self_attn.q_proj" for
// Llama, ours for the built-in model), and target_modules use those names too.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "engine/model/tensor_io.h"
#include "engine/model/transformer.h"

namespace sy {

// The adapter's tensors under PEFT's names (the model family's module names), and its
// adapter_config.json (`family`: ModelConfig::family, which sets fan_in_fan_out for GPT-2).
NamedTensors adapter_tensors(TransformerLM& model, AdapterId adapter);
nlohmann::json adapter_config(const LoraSpec& spec, const std::string& base_model_name,
                              const std::string& family = "switchyard");
// Copies PEFT-named tensors into an existing adapter; every targeted layer must be present with
// its exact shape and nothing else may be (errors name `source`).
void set_adapter_tensors(TransformerLM& model, AdapterId adapter, NamedTensors tensors,
                         const std::string& source);

void save_adapter(const std::string& dir, TransformerLM& model, AdapterId adapter,
                  const std::string& base_model_name);

// Adds the adapter under `name` (shapes and target modules checked against the model).
AdapterId load_adapter(const std::string& dir, TransformerLM& model, const std::string& name);

// The LoRA settings as adapter_config.json holds them (PEFT's field names).
LoraSpec read_adapter_config(const std::string& path);

}  // namespace sy
