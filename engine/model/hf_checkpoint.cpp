// Loading Hugging Face model folders through a family's name table. The weights are read from
// the memory-mapped, validated safetensors files (one, or the shards of an index) and checked
// one by one against what config.json implies, so a damaged or mismatched folder fails with a
// message naming the file, the tensor and the expectation, before the model is used.
#include "engine/model/hf_checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <torch/utils.h>
#include <nlohmann/json.hpp>

#include "engine/kernels/row_slices.h"
#include "engine/model/safetensors.h"
#include "engine/model/tensor_io.h"
#include "engine/tokenizer/hf_tokenizer.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace fs = std::filesystem;
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// The checkpoint's tensors across its files. Entries point into the open (mapped) files.
struct CheckpointTensors {
  struct Located {
    const TensorEntry* entry;
    std::string path;             // the file holding it
    const SafetensorsFile* file;  // the same, open
  };
  std::vector<SafetensorsFile> files;
  std::map<std::string, Located> by_name;
  std::string source;  // what a missing tensor's error names: the one file, or the index
};

void add_file_tensors(CheckpointTensors& ckpt, const SafetensorsFile& file) {
  for (const TensorEntry& entry : file.tensors()) {
    auto [it, fresh] =
        ckpt.by_name.emplace(entry.name, CheckpointTensors::Located{&entry, file.path(), &file});
    if (!fresh) {
      throw Error(file.path() + ": tensor \"" + entry.name + "\" is also in " + it->second.path +
                  "; each tensor must be in one shard only");
    }
  }
}

// model.safetensors, else the shards of model.safetensors.index.json ({"weight_map": {tensor:
// file}}): every shard the index names must exist and hold the tensors the index places in it.
CheckpointTensors open_checkpoint(const std::string& dir) {
  CheckpointTensors ckpt;
  const std::string single = (fs::path(dir) / "model.safetensors").string();
  const std::string index_path = (fs::path(dir) / "model.safetensors.index.json").string();
  if (fs::exists(single)) {
    ckpt.source = single;
    ckpt.files.push_back(SafetensorsFile::open(single));
    add_file_tensors(ckpt, ckpt.files.back());
    return ckpt;
  }
  if (!fs::exists(index_path)) {
    throw Error("model folder " + dir +
                " has neither model.safetensors nor model.safetensors.index.json; Switchyard "
                "reads safetensors weights only (convert pytorch_model.bin with transformers' "
                "save_pretrained(safe_serialization=True))");
  }
  ckpt.source = index_path;
  const nlohmann::json index = read_json_file(index_path);
  auto map_it = index.find("weight_map");
  if (map_it == index.end() || !map_it->is_object() || map_it->empty()) {
    throw Error(index_path +
                ": field \"weight_map\" must be a non-empty object of tensor names mapped to "
                "shard files");
  }
  std::vector<std::string> shards;  // in order of first mention
  for (const auto& item : map_it->items()) {
    if (!item.value().is_string()) {
      throw Error(index_path + ": field \"weight_map\" maps tensor \"" + item.key() + "\" to " +
                  json_excerpt(item.value()) + "; expected a shard file name");
    }
    const std::string shard = item.value().get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "." || shard == "..") {
      throw Error(index_path + ": field \"weight_map\" maps tensor \"" + item.key() + "\" to \"" +
                  shard + "\"; expected a file name inside the model folder");
    }
    if (std::find(shards.begin(), shards.end(), shard) != shards.end()) continue;
    const std::string path = (fs::path(dir) / shard).string();
    if (!fs::exists(path)) {
      throw Error(index_path + ": field \"weight_map\" places tensor \"" + item.key() + "\" in " +
                  shard + ", but " + path + " does not exist");
    }
    shards.push_back(shard);
  }
  ckpt.files.reserve(shards.size());
  for (const std::string& shard : shards) {
    ckpt.files.push_back(SafetensorsFile::open((fs::path(dir) / shard).string()));
  }
  for (const SafetensorsFile& file : ckpt.files) add_file_tensors(ckpt, file);
  for (const auto& item : map_it->items()) {
    const std::string path = (fs::path(dir) / item.value().get<std::string>()).string();
    auto it = ckpt.by_name.find(item.key());
    if (it == ckpt.by_name.end() || it->second.path != path) {
      throw Error(index_path + ": field \"weight_map\" places tensor \"" + item.key() + "\" in " +
                  item.value().get<std::string>() + ", but that file does not hold it");
    }
  }
  return ckpt;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Stands in for the tokenizer of a folder whose tokenizer.json is absent or unreadable: the ids
// the config gives are known, so token-id work (forward, scoring given ids) goes on, while
// encoding or decoding text is a clear error naming the reason instead of a crash.
class MissingTokenizer : public Tokenizer {
 public:
  MissingTokenizer(std::string reason, const ModelConfig& config)
      : reason_(std::move(reason)), config_(config) {}
  TokenIds encode(std::string_view) const override { fail(); }
  std::string decode(const TokenIds&, bool) const override { fail(); }
  int64_t vocab_size() const override { return config_.vocab_size; }
  int64_t bos_id() const override { return config_.bos_id; }
  int64_t eos_id() const override { return config_.eos_id; }
  int64_t pad_id() const override { return config_.pad_id; }

 private:
  [[noreturn]] void fail() const { throw Error(reason_); }
  std::string reason_;
  ModelConfig config_;
};

// tokenizer.json through engine/tokenizer/; without one (or one it cannot read), a stand-in
// whose text methods throw.
std::shared_ptr<const Tokenizer> load_folder_tokenizer(const std::string& dir,
                                                       const ModelConfig& config) {
  const std::string path = (fs::path(dir) / "tokenizer.json").string();
  if (!fs::exists(path)) {
    return std::make_shared<MissingTokenizer>(
        "model folder " + dir + " has no tokenizer.json, so its text cannot be tokenized", config);
  }
  try {
    auto tokenizer = load_hf_tokenizer(path);
    // An id past the embedding table would fail deep inside LibTorch on the first text that
    // holds it; the config may pad its vocabulary beyond the tokenizer's, never the reverse.
    if (tokenizer->vocab_size() > config.vocab_size) {
      throw Error(path + " holds token ids up to " + std::to_string(tokenizer->vocab_size() - 1) +
                  ", but " + (fs::path(dir) / "config.json").string() + " says \"vocab_size\" " +
                  std::to_string(config.vocab_size) + "; expected every id below vocab_size");
    }
    return tokenizer;
  } catch (const Error& e) {
    return std::make_shared<MissingTokenizer>(
        std::string("the tokenizer of model folder ") + dir + " could not be read: " + e.what(),
        config);
  }
}

}  // namespace

void copy_tokenizer_files(const std::string& source_dir, const std::string& dir) {
  for (const char* file : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                           "generation_config.json"}) {
    const fs::path from = fs::path(source_dir) / file;
    if (fs::exists(from) && fs::absolute(from) != fs::absolute(fs::path(dir) / file)) {
      fs::copy_file(from, fs::path(dir) / file, fs::copy_options::overwrite_existing);
    }
  }
}

namespace {

// Both directions of each transform: a transpose is its own inverse; BLOOM's row blocks
// [head, (q|k|v), dim] and ours [(q|k|v), head, dim] swap their first two axes either way.
torch::Tensor convert_layout(const torch::Tensor& t, TensorTransform transform,
                             const ModelConfig& config, bool to_ours) {
  switch (transform) {
    case TensorTransform::None:
      return t;
    case TensorTransform::Transpose:
      return t.t().contiguous();
    case TensorTransform::BloomQkv: {
      const int64_t outer = to_ours ? config.n_head : 3, inner = to_ours ? 3 : config.n_head;
      return t.reshape({outer, inner, config.head_dim(), -1}).transpose(0, 1).reshape(t.sizes());
    }
  }
  return t;
}

}  // namespace

torch::Tensor checkpoint_to_ours(const torch::Tensor& t, TensorTransform transform,
                                 const ModelConfig& config) {
  return convert_layout(t, transform, config, /*to_ours=*/true);
}

torch::Tensor ours_to_checkpoint(const torch::Tensor& t, TensorTransform transform,
                                 const ModelConfig& config) {
  return convert_layout(t, transform, config, /*to_ours=*/false);
}

TensorTransform lora_B_transform(TensorTransform weight_transform) {
  return weight_transform == TensorTransform::BloomQkv ? TensorTransform::BloomQkv
                                                       : TensorTransform::None;
}

namespace {

// Fills `param` from the checkpoint tensor `entry` (read through a view of the mapped file) and
// gives the file's pages back as they are read. A table in our layout already (the embeddings,
// the largest) goes over in slices of about 64 MiB, converted to the model's dtype in the copy,
// so only one slice's pages are mapped in at a time; another layout is converted first (one
// tensor's temporary, in the stored dtype).
void fill_from_checkpoint(torch::Tensor& param, const TensorEntry& entry,
                          const SafetensorsFile& file, TensorTransform transform,
                          const ModelConfig& config) {
  const torch::Tensor stored = entry_view(entry);
  if (transform != TensorTransform::None || param.dim() == 0) {
    param.copy_(checkpoint_to_ours(stored, transform, config));
    file.release(entry.data, entry.nbytes);
    return;
  }
  const int64_t rows = param.size(0);
  const int64_t row_bytes = rows > 0 ? static_cast<int64_t>(entry.nbytes) / rows : 0;
  for_each_row_slice(rows, row_bytes, int64_t(64) << 20, [&](int64_t first, int64_t n) {
    param.narrow(0, first, n).copy_(stored.narrow(0, first, n));
    file.release(entry.data + first * row_bytes, static_cast<size_t>(n * row_bytes));
  });
}

bool is_float_entry(const TensorEntry& entry) {
  return entry.dtype == DType::F32 || entry.dtype == DType::F16 || entry.dtype == DType::BF16;
}

// The token embedding's prefix: the base-model prefix the checkpoint's names carry.
std::string checkpoint_prefix(const CheckpointTensors& ckpt, const ModelFamily& family) {
  for (const std::string& p : family.prefixes) {
    if (ckpt.by_name.count(checkpoint_tensor_name(family, "tok_emb.weight", p).name)) return p;
  }
  return family.prefixes.front();
}

// The dtype of the token embedding under `prefix`, else of the first floating-point tensor.
WeightsDtype stored_dtype(const CheckpointTensors& ckpt, const ModelFamily& family,
                          const std::string& prefix) {
  const std::string embedding = checkpoint_tensor_name(family, "tok_emb.weight", prefix).name;
  auto it = ckpt.by_name.find(embedding);
  const TensorEntry* entry =
      it != ckpt.by_name.end() && is_float_entry(*it->second.entry) ? it->second.entry : nullptr;
  for (auto other = ckpt.by_name.begin(); !entry && other != ckpt.by_name.end(); ++other) {
    if (is_float_entry(*other->second.entry)) entry = other->second.entry;
  }
  return entry ? weights_dtype_of(torch_dtype(entry->dtype)) : WeightsDtype::FP32;
}

}  // namespace

WeightsDtype stored_hf_weights_dtype(const std::string& dir, const ModelFamily& family) {
  const CheckpointTensors ckpt = open_checkpoint(dir);
  return stored_dtype(ckpt, family, checkpoint_prefix(ckpt, family));
}

LoadedModel load_hf_model(const std::string& dir, const ModelFamily& family,
                          const nlohmann::json& json, const std::string& config_path,
                          WeightsDtype weights) {
  ModelConfig config = family.read_config(json, config_path);
  // generate() in transformers stops at generation_config.json's EOS ids, which may add to
  // config.json's (chat models end a turn with their own token).
  const std::string generation_path = (fs::path(dir) / "generation_config.json").string();
  if (fs::exists(generation_path)) {
    add_extra_eos_ids(read_json_file(generation_path), config, generation_path);
  }
  config.validate(config_path);
  CheckpointTensors ckpt = open_checkpoint(dir);

  // The base-model prefix is the one under which the token embedding is found.
  const std::string prefix = checkpoint_prefix(ckpt, family);
  const WeightsDtype dtype = resolve_weights_dtype(weights, stored_dtype(ckpt, family, prefix));

  LoadedModel loaded;
  loaded.dir = dir;
  loaded.model = TransformerLM(config, WeightsInit{weights_scalar_type(dtype), /*random=*/false});
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  for (auto& [ours, param] : loaded.model->base_parameters()) {
    const CheckpointName name = checkpoint_tensor_name(family, ours, prefix);
    std::vector<int64_t> expected = param.sizes().vec();
    if (name.transform == TensorTransform::Transpose)
      std::reverse(expected.begin(), expected.end());
    auto it = ckpt.by_name.find(name.name);
    if (it == ckpt.by_name.end()) {
      throw Error(ckpt.source + ": tensor \"" + name.name + "\" is missing; " + config_path +
                  " implies a " + family.model_type + " model with it, of shape " +
                  shape_text(expected));
    }
    const TensorEntry& entry = *it->second.entry;
    if (!is_float_entry(entry)) {
      throw Error(it->second.path + ": tensor \"" + name.name + "\" has dtype " +
                  dtype_name(entry.dtype) + "; expected F32, F16 or BF16");
    }
    if (entry.shape != expected) {
      throw Error(it->second.path + ": tensor \"" + name.name + "\" has shape " +
                  shape_text(entry.shape) + "; " + config_path + " implies " +
                  shape_text(expected));
    }
    fill_from_checkpoint(param, entry, *it->second.file, name.transform, config);
    used.insert(name.name);
  }
  for (const auto& [name, located] : ckpt.by_name) {
    if (used.count(name)) continue;
    // HF ties lm_head to the embeddings; some checkpoints still carry the (ignored) copy.
    if (config.tie_embeddings && name == "lm_head.weight") continue;
    // (A structured binding cannot be captured before C++20; clang 14 refuses it.)
    const std::string& tensor = name;
    const bool ignored = std::any_of(family.ignored_suffixes.begin(), family.ignored_suffixes.end(),
                                     [&](const std::string& s) { return ends_with(tensor, s); });
    if (ignored) continue;
    throw Error(located.path + ": tensor \"" + name + "\" is not part of the " + family.model_type +
                " model that " + config_path + " describes");
  }
  loaded.model->eval();
  loaded.tokenizer = load_folder_tokenizer(dir, config);
  return loaded;
}

void save_hf_model(const std::string& dir, TransformerLM& model, const std::string& source_dir) {
  const ModelFamily* family = find_family(model->config().family);
  if (!family) throw Error("save_hf_model: \"" + model->config().family + "\" is not a HF family");
  const std::string source_config = (fs::path(source_dir) / "config.json").string();
  if (!fs::exists(source_config)) {
    throw Error("cannot save the " + std::string(family->model_type) + " model to " + dir +
                ": its source folder " + source_dir + " has no config.json to carry over");
  }
  fs::create_directories(dir);
  // The architecture is the source's; the weights are now FP32 whatever the source stored.
  nlohmann::json config = read_json_file(source_config);
  for (const char* field : {"torch_dtype", "dtype"}) {
    if (config.contains(field)) config[field] = "float32";
  }
  write_json_file((fs::path(dir) / "config.json").string(), config);
  copy_tokenizer_files(source_dir, dir);
  NamedTensors tensors;
  for (auto& [ours, param] : model->base_parameters()) {
    const CheckpointName name = checkpoint_tensor_name(*family, ours, family->prefixes.front());
    tensors[name.name] =
        ours_to_checkpoint(param.detach().to(torch::kFloat), name.transform, model->config())
            .contiguous();
  }
  // A single file: a model small enough to train here is small enough for one.
  fs::remove(fs::path(dir) / "model.safetensors.index.json");
  save_safetensors((fs::path(dir) / "model.safetensors").string(), tensors, {{"format", "pt"}});
}

}  // namespace sy
