// PEFT-compatible adapter folders. PEFT drops the adapter's name from saved tensor names and
// prefixes "base_model.model." (the PeftModel -> LoraModel -> base model nesting). Modules carry
// the family's checkpoint names (family_registry.h), so an adapter of a Hugging Face model is
// named as PEFT names it on that model; BLOOM's lora_B rows follow its fused-qkv row order.
#include "engine/model/adapter_io.h"

#include <filesystem>

#include <torch/utils.h>
#include <nlohmann/json.hpp>

#include "engine/model/family_registry.h"
#include "engine/model/hf_checkpoint.h"
#include "engine/model/tensor_io.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace fs = std::filesystem;
namespace {

const std::string kPrefix = "base_model.model.";

std::string tensor_name(const CheckpointName& module, const char* which) {
  return kPrefix + module.name + "." + which + ".weight";
}

}  // namespace

NamedTensors adapter_tensors(TransformerLM& model, AdapterId adapter) {
  const ModelConfig& config = model->config();
  NamedTensors tensors;
  for (auto& [ours, layer] : model->adapter_layers(adapter)) {
    const CheckpointName module = checkpoint_module_name(config.family, ours);
    tensors[tensor_name(module, "lora_A")] = layer->lora_A(adapter).detach();
    tensors[tensor_name(module, "lora_B")] = ours_to_checkpoint(
        layer->lora_B(adapter).detach(), lora_B_transform(module.transform), config);
  }
  return tensors;
}

nlohmann::json adapter_config(const LoraSpec& spec, const std::string& base_model_name,
                              const std::string& family) {
  const ModelFamily* f = find_family(family);
  return {{"peft_type", "LORA"},
          {"task_type", "CAUSAL_LM"},
          {"r", spec.rank},
          {"lora_alpha", spec.alpha},
          {"lora_dropout", spec.dropout},
          {"target_modules", spec.target_modules},
          {"bias", "none"},
          {"fan_in_fan_out", f && f->fan_in_fan_out},
          {"inference_mode", true},
          {"init_lora_weights", true},
          {"use_rslora", false},
          {"modules_to_save", nullptr},
          {"base_model_name_or_path", base_model_name}};
}

void save_adapter(const std::string& dir, TransformerLM& model, AdapterId adapter,
                  const std::string& base_model_name) {
  fs::create_directories(dir);
  save_safetensors((fs::path(dir) / "adapter_model.safetensors").string(),
                   adapter_tensors(model, adapter), {{"format", "pt"}});
  write_json_file(
      (fs::path(dir) / "adapter_config.json").string(),
      adapter_config(model->adapter_spec(adapter), base_model_name, model->config().family));
}

void set_adapter_tensors(TransformerLM& model, AdapterId adapter, NamedTensors tensors,
                         const std::string& source) {
  torch::NoGradGuard no_grad;
  const ModelConfig& config = model->config();
  for (auto& [ours, layer] : model->adapter_layers(adapter)) {
    const CheckpointName module = checkpoint_module_name(config.family, ours);
    for (const char* which : {"lora_A", "lora_B"}) {
      const bool is_A = std::string(which) == "lora_A";
      const std::string key = tensor_name(module, which);
      auto it = tensors.find(key);
      if (it == tensors.end()) throw Error(source + ": tensor \"" + key + "\" is missing");
      torch::Tensor& dst = is_A ? layer->lora_A(adapter) : layer->lora_B(adapter);
      if (it->second.sizes() != dst.sizes()) {
        throw Error(source + ": tensor \"" + key + "\" has shape " + c10::str(it->second.sizes()) +
                    "; expected " + c10::str(dst.sizes()));
      }
      const torch::Tensor value =
          is_A ? it->second
               : checkpoint_to_ours(it->second, lora_B_transform(module.transform), config);
      dst.copy_(value.to(dst.scalar_type()));
      tensors.erase(it);
    }
  }
  if (!tensors.empty()) {
    throw Error(source + ": tensor \"" + tensors.begin()->first +
                "\" matches no targeted layer of this model");
  }
}

LoraSpec read_adapter_config(const std::string& path) {
  const nlohmann::json j = read_json_file(path);
  auto field = [&](const char* name) -> const nlohmann::json& {
    auto it = j.find(name);
    if (it == j.end()) throw Error(path + ": field \"" + name + "\" is missing.");
    return *it;
  };
  if (j.value("peft_type", std::string("LORA")) != "LORA") {
    throw Error(path + ": field \"peft_type\" is \"" + json_excerpt(j["peft_type"]) +
                "\"; only LORA adapters are supported.");
  }
  LoraSpec spec;
  const auto& r = field("r");
  if (!r.is_number_integer() || r.get<int64_t>() <= 0) {
    throw Error(path + ": field \"r\" must be a positive integer.");
  }
  spec.rank = r.get<int64_t>();
  const auto& alpha = field("lora_alpha");
  if (!alpha.is_number()) throw Error(path + ": field \"lora_alpha\" must be a number.");
  spec.alpha = alpha.get<double>();
  spec.dropout = j.value("lora_dropout", 0.0);
  const auto& targets = field("target_modules");
  spec.target_modules.clear();
  if (targets.is_string()) {
    spec.target_modules.push_back(targets.get<std::string>());
  } else if (targets.is_array()) {
    for (const auto& t : targets) {
      if (!t.is_string()) throw Error(path + ": field \"target_modules\" must hold strings.");
      spec.target_modules.push_back(t.get<std::string>());
    }
  } else {
    throw Error(path + ": field \"target_modules\" must be a list of module names.");
  }
  if (j.value("use_rslora", false)) {
    throw Error(path + ": field \"use_rslora\" is true; only standard LoRA scaling is supported.");
  }
  return spec;
}

AdapterId load_adapter(const std::string& dir, TransformerLM& model, const std::string& name) {
  const std::string config_path = (fs::path(dir) / "adapter_config.json").string();
  const std::string weights_path = (fs::path(dir) / "adapter_model.safetensors").string();
  if (!fs::is_directory(dir)) {
    throw Error("adapter folder " + dir +
                " does not exist; expected adapter_config.json and "
                "adapter_model.safetensors");
  }
  const LoraSpec spec = read_adapter_config(config_path);
  NamedTensors tensors = load_safetensors(weights_path);  // read fully before touching the model
  const AdapterId id = model->add_adapter(name, spec);
  try {
    set_adapter_tensors(model, id, std::move(tensors), weights_path);
  } catch (...) {
    model->remove_adapter(name);  // leave the model as it was
    throw;
  }
  return id;
}

}  // namespace sy
