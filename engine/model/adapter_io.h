// LoRA adapters on disk in PEFT's layout: adapter_model.safetensors with tensors named
// "base_model.model.<module>.lora_A.weight" / "...lora_B.weight", and adapter_config.json.
#pragma once

#include <string>

#include "engine/model/transformer.h"

namespace sy {

void save_adapter(const std::string& dir, TransformerLM& model, AdapterId adapter,
                  const std::string& base_model_name);

// Adds the adapter under `name` (shapes and target modules checked against the model).
AdapterId load_adapter(const std::string& dir, TransformerLM& model, const std::string& name);

// The LoRA settings as adapter_config.json holds them (PEFT's field names).
LoraSpec read_adapter_config(const std::string& path);

}  // namespace sy
