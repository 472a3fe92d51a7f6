// The registry of model families and the name translation their tables drive.
#include "engine/model/family_registry.h"

#include <cctype>
#include <limits>

#include <nlohmann/json.hpp>

#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace {

const ModelFamily* const* all_families() {
  static const ModelFamily* const families[] = {&gpt2_family(),  &bloom_family(), &opt_family(),
                                                &llama_family(), &qwen2_family(), nullptr};
  return families;
}

// "layers.12.attn.q_proj.weight" -> ("layers.{L}.attn.q_proj.weight", "12"); other names as they
// are, with no layer.
std::pair<std::string, std::string> layer_pattern(const std::string& ours) {
  const std::string head = "layers.";
  if (ours.rfind(head, 0) != 0) return {ours, ""};
  size_t end = head.size();
  while (end < ours.size() && std::isdigit(static_cast<unsigned char>(ours[end]))) ++end;
  if (end == head.size()) return {ours, ""};
  return {head + "{L}" + ours.substr(end), ours.substr(head.size(), end - head.size())};
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

const TensorName* find_row(const ModelFamily& family, const std::string& pattern) {
  for (const TensorName& row : family.tensors) {
    if (pattern == row.ours) return &row;
  }
  return nullptr;
}

CheckpointName translate(const TensorName& row, const std::string& layer,
                         const std::string& prefix) {
  CheckpointName out{row.theirs, row.transform};
  replace_all(out.name, "{P}", prefix);
  replace_all(out.name, "{L}", layer);
  return out;
}

const nlohmann::json* find_field(const nlohmann::json& config,
                                 std::initializer_list<const char*> names, const char** found) {
  for (const char* name : names) {
    auto it = config.find(name);
    if (it != config.end() && !it->is_null()) {
      *found = name;
      return &*it;
    }
  }
  return nullptr;
}

}  // namespace

const ModelFamily* find_family(const std::string& model_type) {
  for (const ModelFamily* const* f = all_families(); *f; ++f) {
    if (model_type == (*f)->model_type) return *f;
  }
  return nullptr;
}

std::string supported_model_types() {
  std::string out = "switchyard";
  for (const ModelFamily* const* f = all_families(); *f; ++f)
    out += std::string(", ") + (*f)->model_type;
  return out;
}

CheckpointName checkpoint_tensor_name(const ModelFamily& family, const std::string& ours,
                                      const std::string& prefix) {
  const auto [pattern, layer] = layer_pattern(ours);
  const TensorName* row = find_row(family, pattern);
  if (!row) {
    throw Error(std::string("Internal error: the ") + family.model_type +
                " name table has no row for tensor \"" + ours + "\"");
  }
  return translate(*row, layer, prefix);
}

CheckpointName checkpoint_module_name(const std::string& family_name, const std::string& ours) {
  const ModelFamily* family = find_family(family_name);
  if (!family) return {ours, TensorTransform::None};
  const auto [pattern, layer] = layer_pattern(ours + ".weight");
  const TensorName* row = find_row(*family, pattern);
  if (!row) return {ours, TensorTransform::None};
  CheckpointName out = translate(*row, layer, family->prefixes.front());
  const std::string suffix = ".weight";
  if (out.name.size() > suffix.size() &&
      out.name.compare(out.name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    out.name.resize(out.name.size() - suffix.size());
  }
  return out;
}

// ------------------------------------------------------------------------- config.json fields

int64_t config_int(const nlohmann::json& config, std::initializer_list<const char*> names,
                   const std::string& source) {
  const char* name = *names.begin();
  const nlohmann::json* value = find_field(config, names, &name);
  if (!value) throw Error(source + ": field \"" + name + "\" is missing");
  // An unsigned value above INT64_MAX would wrap to a negative one: refuse it by its own text.
  if (!value->is_number_integer() ||
      (value->is_number_unsigned() &&
       value->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
    throw Error(source + ": field \"" + name + "\" must be an integer, not " +
                json_excerpt(*value));
  }
  // Counts, widths and ids; bounded so that the families' arithmetic on them (4 * n_embd ...)
  // cannot overflow before ModelConfig::validate checks them properly.
  const int64_t v = value->get<int64_t>();
  constexpr int64_t kLimit = int64_t{1} << 40;
  if (v < -kLimit || v > kLimit) {
    throw Error(source + ": field \"" + name + "\" is " + std::to_string(v) +
                "; expected a size or id of magnitude at most 2^40");
  }
  return v;
}

int64_t config_int_or(const nlohmann::json& config, std::initializer_list<const char*> names,
                      int64_t fallback, const std::string& source) {
  const char* name = *names.begin();
  if (!find_field(config, names, &name)) return fallback;
  return config_int(config, names, source);
}

double config_number_or(const nlohmann::json& config, const char* name, double fallback,
                        const std::string& source) {
  auto it = config.find(name);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_number()) {
    throw Error(source + ": field \"" + name + "\" must be a number, not " + json_excerpt(*it));
  }
  return it->get<double>();
}

bool config_bool_or(const nlohmann::json& config, const char* name, bool fallback,
                    const std::string& source) {
  auto it = config.find(name);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    throw Error(source + ": field \"" + name + "\" must be true or false, not " +
                json_excerpt(*it));
  }
  return it->get<bool>();
}

std::string config_string_or(const nlohmann::json& config, const char* name,
                             const std::string& fallback, const std::string& source) {
  auto it = config.find(name);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_string()) {
    throw Error(source + ": field \"" + name + "\" must be a string, not " + json_excerpt(*it));
  }
  return it->get<std::string>();
}

void add_extra_eos_ids(const nlohmann::json& j, ModelConfig& config, const std::string& source) {
  auto it = j.find("eos_token_id");
  if (it == j.end() || it->is_null()) return;
  const nlohmann::json list = it->is_array() ? *it : nlohmann::json::array({*it});
  for (const auto& v : list) {
    if (!v.is_number_integer()) {
      throw Error(source + ": field \"eos_token_id\" must be a token id or a list of them, not " +
                  json_excerpt(*it));
    }
    const int64_t id = v.get<int64_t>();
    if (config.eos_id < 0) {
      config.eos_id = id;
    } else if (!config.is_eos(id)) {
      config.extra_eos_ids.push_back(id);
    }
  }
}

void read_special_token_ids(const nlohmann::json& j, ModelConfig& config,
                            const std::string& source) {
  auto id = [&](const char* name) -> int64_t {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return -1;
    const nlohmann::json& v = it->is_array() && !it->empty() ? it->front() : *it;
    if (!v.is_number_integer()) {
      throw Error(source + ": field \"" + name + "\" must be a token id, not " + json_excerpt(*it));
    }
    return v.get<int64_t>();
  };
  config.bos_id = id("bos_token_id");
  config.eos_id = id("eos_token_id");
  config.pad_id = id("pad_token_id");
  add_extra_eos_ids(j, config, source);
  // Padding positions are masked out, so any valid id serves for them.
  if (config.pad_id < 0) config.pad_id = config.eos_id >= 0 ? config.eos_id : 0;
}

MlpType activation_from_name(const std::string& name, const std::string& source,
                             const char* field) {
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") {
    return MlpType::GELUTanh;
  }
  if (name == "gelu") return MlpType::GELU;
  if (name == "relu") return MlpType::ReLU;
  throw Error(source + ": field \"" + field + "\" is \"" + name +
              "\"; supported: gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, relu");
}

void unsupported_setting(const std::string& source, const char* field, const std::string& why) {
  throw Error(source + ": field \"" + field + "\" " + why + "; Switchyard does not implement it");
}

}  // namespace sy
