// Hugging Face model folders: config.json (its model_type picks the family), model.safetensors or
// the shards model.safetensors.index.json lists, and tokenizer.json. Every tensor the config
// implies must be there with its shape, in F32, F16 or BF16, and nothing else may be; the weights
// land in our transformer in the dtype asked for (weights_dtype.h).
#pragma once

#include <string>

#include <torch/types.h>
#include <nlohmann/json_fwd.hpp>

#include "engine/model/checkpoint.h"
#include "engine/model/family_registry.h"
#include "engine/model/weights_dtype.h"

namespace sy {

// Loads DIR as a model of `family`; `config` is DIR/config.json, already read from config_path.
// The base weights are held in `weights` (Auto: the dtype the folder stores), read tensor by
// tensor from the mapped files straight into the model, so no second copy of the model is ever
// made: a bf16 folder loaded in bf16 peaks near its own size.
LoadedModel load_hf_model(const std::string& dir, const ModelFamily& family,
                          const nlohmann::json& config, const std::string& config_path,
                          WeightsDtype weights);
// The dtype DIR's weights are stored in: that of its token embedding (reads the files' headers
// only).
WeightsDtype stored_hf_weights_dtype(const std::string& dir, const ModelFamily& family);

// Writes DIR as a Hugging Face folder of the model's family, which transformers loads too: the
// source folder's config.json (dtype set to float32), tokenizer and generation files, and
// model.safetensors with the family's tensor names and layouts, in FP32.
void save_hf_model(const std::string& dir, TransformerLM& model, const std::string& source_dir);

// Copies SOURCE_DIR's tokenizer and generation files (those present) into DIR, so a saved folder
// stands alone; nothing happens when the two are the same folder.
void copy_tokenizer_files(const std::string& source_dir, const std::string& dir);

// A checkpoint tensor in our layout, and back (each undoes the other).
torch::Tensor checkpoint_to_ours(const torch::Tensor& t, TensorTransform transform,
                                 const ModelConfig& config);
torch::Tensor ours_to_checkpoint(const torch::Tensor& t, TensorTransform transform,
                                 const ModelConfig& config);
// What a LoRA matrix of a layer whose weight takes `transform` takes: PEFT keeps A [r, in] and
// B [out, r] whatever the layer stores (so Conv1D's transpose does not apply), but B's rows are
// the layer's output rows, so BLOOM's permutation does (on B only).
TensorTransform lora_B_transform(TensorTransform weight_transform);

}  // namespace sy
