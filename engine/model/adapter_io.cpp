// PEFT-compatible adapter folders. PEFT drops the adapter's name from saved tensor names and
// prefixes "base_model.model." (the PeftModel -> LoraModel -> base model nesting).
#include "engine/model/adapter_io.h"

#include <filesystem>

#include <torch/utils.h>
#include <nlohmann/json.hpp>

#include "engine/model/tensor_io.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace fs = std::filesystem;
namespace {

const std::string kPrefix = "base_model.model.";

std::string tensor_name(const std::string& module, const char* which) {
  return kPrefix + module + "." + which + ".weight";
}

}  // namespace

NamedTensors adapter_tensors(TransformerLM& model, AdapterId adapter) {
  NamedTensors tensors;
  for (auto& [module, layer] : model->adapter_layers(adapter)) {
    tensors[tensor_name(module, "lora_A")] = layer->lora_A(adapter).detach();
    tensors[tensor_name(module, "lora_B")] = layer->lora_B(adapter).detach();
  }
  return tensors;
}

nlohmann::json adapter_config(const LoraSpec& spec, const std::string& base_model_name) {
  return {{"peft_type", "LORA"},
          {"task_type", "CAUSAL_LM"},
          {"r", spec.rank},
          {"lora_alpha", spec.alpha},
          {"lora_dropout", spec.dropout},
          {"target_modules", spec.target_modules},
          {"bias", "none"},
          {"fan_in_fan_out", false},
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
  write_json_file((fs::path(dir) / "adapter_config.json").string(),
                  adapter_config(model->adapter_spec(adapter), base_model_name));
}

void set_adapter_tensors(TransformerLM& model, AdapterId adapter, NamedTensors tensors,
                         const std::string& source) {
  torch::NoGradGuard no_grad;
  for (auto& [module, layer] : model->adapter_layers(adapter)) {
    for (const char* which : {"lora_A", "lora_B"}) {
      const std::string key = tensor_name(module, which);
      auto it = tensors.find(key);
      if (it == tensors.end()) throw Error(source + ": tensor \"" + key + "\" is missing");
      torch::Tensor& dst =
          std::string(which) == "lora_A" ? layer->lora_A(adapter) : layer->lora_B(adapter);
      if (it->second.sizes() != dst.sizes()) {
        throw Error(source + ": tensor \"" + key + "\" has shape " + c10::str(it->second.sizes()) +
                    "; expected " + c10::str(dst.sizes()));
      }
      dst.copy_(it->second.to(dst.scalar_type()));
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
    throw Error(path + ": field \"peft_type\" is \"" + j["peft_type"].dump() +
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
