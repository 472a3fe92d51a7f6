// Model folders: config.json + model.safetensors (+ the tokenizer the config names), in our own
// format ("model_type": "switchyard") or as Hugging Face saves them (the families of
// family_registry.h). Loading checks every tensor's name and shape, so a corrupted or mismatched
// checkpoint is a clear error.
#pragma once

#include <memory>
#include <string>

#include "engine/model/transformer.h"
#include "engine/model/weights_dtype.h"
#include "engine/tokenizer/tokenizer.h"

namespace sy {

struct LoadedModel {
  std::string dir;
  TransformerLM model{nullptr};
  std::shared_ptr<const Tokenizer> tokenizer;
};

// Writes DIR/config.json ({"model_type": "switchyard", ...the ModelConfig...}) and
// DIR/model.safetensors with the base weights (adapters are saved separately), plus the
// tokenizer files of `source_dir` when it has any (a BPE model's tokenizer.json). A model of a
// Hugging Face family is written as that family's folder instead (save_hf_model), with the
// config and tokenizer of `source_dir`, the folder it was loaded from.
void save_model(const std::string& dir, TransformerLM& model, const std::string& source_dir = "");

// Either format, by config.json's model_type; an unknown one is an error listing those supported.
// The base weights are held in `weights`: Auto keeps a Hugging Face folder's stored dtype and
// makes our own folders (the built-in model) FP32.
LoadedModel load_model(const std::string& dir, WeightsDtype weights = WeightsDtype::Auto);
// The dtype load_model(dir, Auto) holds the weights in, from the files' headers alone.
WeightsDtype stored_weights_dtype(const std::string& dir);
// The folder's model configuration alone (ours or a Hugging Face family's), checked as load_model
// checks it, without reading any weight: what a memory estimate needs before loading.
ModelConfig read_model_config(const std::string& dir);

// The shipped built-in model: resource_path("base-model") (engine/util/resources.h).
std::string builtin_model_dir();

}  // namespace sy
