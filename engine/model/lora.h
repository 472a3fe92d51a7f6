// LoRA (Hu et al. 2021) on a linear layer: y = x W^T + b + (alpha / r) * dropout(x) A^T B^T.
// Every linear layer of our transformer is a LoraLinear; it holds any number of adapters at once,
// and the caller picks one (or none) per forward call, so one frozen base serves many tasks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace sy {

// Adapter settings, with PEFT's meaning (rank r, lora_alpha, lora_dropout, target_modules).
struct LoraSpec {
  int64_t rank = 8;
  double alpha = 16.0;
  double dropout = 0.05;
  // A module is targeted when its full name equals an entry or ends with "." + entry, as in PEFT.
  std::vector<std::string> target_modules = {"qkv_proj"};

  double scaling() const { return alpha / static_cast<double>(rank); }
};

bool lora_targets(const LoraSpec& spec, const std::string& module_name);

// How a model's base weights are made: their dtype (engine/model/weights_dtype.h), and whether
// they are drawn at random (a new model) or left unset for a checkpoint to fill, which spares a
// large model's loading a pass over every weight.
struct WeightsInit {
  torch::ScalarType dtype = torch::kFloat;
  bool random = true;
};

// Draws N(0, std^2) into `weight` whatever its dtype. Half-precision tensors are drawn in FP32
// slices and rounded: LibTorch 1.13 draws bf16 about 4x slower than FP32, minutes for a 7B model.
void draw_normal(torch::Tensor& weight, double std);

// Adapter slots are small integers handed out by the model; -1 means "base model only".
using AdapterId = int;
constexpr AdapterId kNoAdapter = -1;

class LoraLinearImpl : public torch::nn::Module {
 public:
  LoraLinearImpl(int64_t in_features, int64_t out_features, bool bias, WeightsInit init = {});

  torch::Tensor forward(const torch::Tensor& x, AdapterId adapter = kNoAdapter);

  // A = Kaiming-uniform, B = 0 (PEFT's init): a new adapter leaves outputs unchanged.
  void add_adapter(AdapterId id, const std::string& name, const LoraSpec& spec);
  void remove_adapter(AdapterId id);
  bool has_adapter(AdapterId id) const;
  torch::Tensor& lora_A(AdapterId id);  // [r, in]
  torch::Tensor& lora_B(AdapterId id);  // [out, r]

  // Folds an adapter into the base weight for speed; forward(x, id) then skips its low-rank path.
  // Only one adapter is merged at a time; other adapters stay correct while one is merged. FP32
  // weights only: unmerging from half-precision weights would not give the base back.
  void merge(AdapterId id);
  void unmerge();
  AdapterId merged() const { return merged_; }

  int64_t in_features() const { return weight.size(1); }
  int64_t out_features() const { return weight.size(0); }

  torch::Tensor weight;  // [out, in]
  torch::Tensor bias;    // [out] or undefined

 private:
  struct Adapter {
    std::string name;
    torch::Tensor A, B;
    double scaling = 1.0;
    double dropout = 0.0;
  };
  const Adapter& adapter(AdapterId id) const;
  // y + sign * scaling * B A dropout(x): the low-rank product folded into one addmm, so the
  // [tokens, out] update is neither allocated nor added in a separate pass. With half-precision
  // activations the product runs in the adapter's FP32 and the sum is rounded once, as PEFT does.
  torch::Tensor add_low_rank(const torch::Tensor& y, const torch::Tensor& x, const Adapter& a,
                             bool use_dropout, double sign) const;

  std::vector<std::optional<Adapter>> adapters_;
  AdapterId merged_ = kNoAdapter;
};
TORCH_MODULE(LoraLinear);

}  // namespace sy
