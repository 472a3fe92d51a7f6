// Our own checkpoint format, and the dispatch on config.json's model_type: "switchyard" is ours,
// the Hugging Face families go to hf_checkpoint.cpp, anything else is an error listing both.
#include "engine/model/checkpoint.h"

#include <filesystem>
#include <fstream>

#include <torch/utils.h>
#include <nlohmann/json.hpp>

#include "engine/model/family_registry.h"
#include "engine/model/hf_checkpoint.h"
#include "engine/model/tensor_io.h"
#include "engine/tokenizer/byte_tokenizer.h"
#include "engine/tokenizer/hf_tokenizer.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"
#include "engine/util/resources.h"

namespace sy {
namespace fs = std::filesystem;

namespace {

// Our models read bytes unless their folder carries a tokenizer.json (the built-in base model's
// byte-level BPE, trained by `pretrain --vocab`); its special ids must be the config's.
std::shared_ptr<const Tokenizer> folder_tokenizer(const std::string& dir,
                                                  const ModelConfig& config) {
  const std::string path = (fs::path(dir) / "tokenizer.json").string();
  if (!fs::exists(path)) return std::make_shared<ByteTokenizer>();
  auto tokenizer = load_hf_tokenizer(path);
  const auto check = [&](const char* field, int64_t in_config, int64_t in_tokenizer) {
    if (in_config != in_tokenizer) {
      throw Error(path + ": its " + field + " is " + std::to_string(in_tokenizer) + ", but " +
                  (fs::path(dir) / "config.json").string() + " says " + field + " " +
                  std::to_string(in_config) + "; expected the two to agree");
    }
  };
  check("vocab_size", config.vocab_size, tokenizer->vocab_size());
  check("bos_id", config.bos_id, tokenizer->bos_id());
  check("eos_id", config.eos_id, tokenizer->eos_id());
  check("pad_id", config.pad_id, tokenizer->pad_id());
  return tokenizer;
}

}  // namespace

void save_model(const std::string& dir, TransformerLM& model, const std::string& source_dir) {
  if (find_family(model->config().family)) {
    save_hf_model(dir, model, source_dir);
    return;
  }
  fs::create_directories(dir);
  nlohmann::json config = to_json(model->config());
  config["model_type"] = "switchyard";
  write_json_file((fs::path(dir) / "config.json").string(), config);
  NamedTensors tensors;
  for (auto& [name, tensor] : model->base_parameters()) tensors[name] = tensor.detach();
  save_safetensors((fs::path(dir) / "model.safetensors").string(), tensors,
                   {{"format", "pt"}, {"producer", "switchyard"}});
  if (!source_dir.empty()) copy_tokenizer_files(source_dir, dir);
}

namespace {

// config.json of a model folder, and the Hugging Face family its model_type names (none: ours).
struct FolderConfig {
  std::string path;
  nlohmann::json json;
  const ModelFamily* family = nullptr;
};

FolderConfig folder_config(const std::string& dir) {
  if (!fs::is_directory(dir)) {
    throw Error("model folder " + dir +
                " does not exist; expected a folder with config.json and "
                "model.safetensors (or a Hugging Face model folder)");
  }
  FolderConfig c;
  c.path = (fs::path(dir) / "config.json").string();
  c.json = read_json_file(c.path);
  auto type_it = c.json.find("model_type");
  if (type_it == c.json.end() || !type_it->is_string()) {
    throw Error(c.path + ": field \"model_type\" is " +
                (type_it == c.json.end() ? std::string("missing") : "not a string") +
                "; supported model types: " + supported_model_types());
  }
  const std::string model_type = type_it->get<std::string>();
  if (model_type != "switchyard") {
    c.family = find_family(model_type);
    if (!c.family) {
      throw Error(c.path + ": field \"model_type\" is \"" + quoted_excerpt(model_type) +
                  "\"; supported model types: " + supported_model_types());
    }
  }
  return c;
}

}  // namespace

ModelConfig read_model_config(const std::string& dir) {
  const FolderConfig c = folder_config(dir);
  if (!c.family) return model_config_from_json(c.json, c.path);
  ModelConfig config = c.family->read_config(c.json, c.path);
  config.validate(c.path);
  return config;
}

WeightsDtype stored_weights_dtype(const std::string& dir) {
  const FolderConfig c = folder_config(dir);
  if (!c.family) return WeightsDtype::FP32;
  if (fs::exists(fs::path(dir) / "model.safetensors") ||
      fs::exists(fs::path(dir) / "model.safetensors.index.json")) {
    return stored_hf_weights_dtype(dir, *c.family);
  }
  // No weights yet (a folder sized before its download): what config.json says they are.
  for (const char* field : {"torch_dtype", "dtype"}) {
    auto it = c.json.find(field);
    if (it == c.json.end() || !it->is_string()) continue;
    if (*it == "bfloat16") return WeightsDtype::BF16;
    if (*it == "float16") return WeightsDtype::FP16;
  }
  return WeightsDtype::FP32;
}

LoadedModel load_model(const std::string& dir, WeightsDtype weights) {
  const FolderConfig c = folder_config(dir);
  if (c.family) return load_hf_model(dir, *c.family, c.json, c.path, weights);
  const nlohmann::json& j = c.json;
  const std::string& config_path = c.path;
  LoadedModel loaded;
  loaded.dir = dir;
  const WeightsDtype dtype = resolve_weights_dtype(weights, WeightsDtype::FP32);
  loaded.model = TransformerLM(model_config_from_json(j, config_path),
                               WeightsInit{weights_scalar_type(dtype), /*random=*/false});
  loaded.tokenizer = folder_tokenizer(dir, loaded.model->config());

  const std::string weights_path = (fs::path(dir) / "model.safetensors").string();
  NamedTensors tensors = load_safetensors(weights_path);
  torch::NoGradGuard no_grad;
  for (auto& [name, param] : loaded.model->base_parameters()) {
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      throw Error(weights_path + ": tensor \"" + name + "\" is missing");
    }
    if (it->second.sizes() != param.sizes()) {
      throw Error(weights_path + ": tensor \"" + name + "\" has shape " +
                  c10::str(it->second.sizes()) + "; the config expects " + c10::str(param.sizes()));
    }
    param.copy_(it->second.to(param.scalar_type()));
    tensors.erase(it);
  }
  if (!tensors.empty()) {
    throw Error(weights_path + ": tensor \"" + tensors.begin()->first +
                "\" is not part of the model that config.json describes");
  }
  loaded.model->eval();
  return loaded;
}

std::string builtin_model_dir() {
  return resource_path("base-model");
}

}  // namespace sy
