// LoRA layers. The maths: W' = W + (alpha / r) B A, with A [r, in] and B [out, r].
#include "engine/model/lora.h"

#include <cmath>

#include <torch/nn/functional/linear.h>
#include <torch/nn/init.h>
#include <torch/utils.h>

#include "engine/kernels/dense_linear.h"
#include "engine/kernels/dropout_mask.h"
#include "engine/kernels/fused_lora.h"
#include "engine/kernels/row_slices.h"
#include "engine/util/error.h"

namespace sy {

bool lora_targets(const LoraSpec& spec, const std::string& module_name) {
  for (const auto& target : spec.target_modules) {
    if (module_name == target) return true;
    if (module_name.size() > target.size() &&
        module_name.compare(module_name.size() - target.size(), target.size(), target) == 0 &&
        module_name[module_name.size() - target.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

void draw_normal(torch::Tensor& weight, double std) {
  torch::NoGradGuard no_grad;
  if (weight.scalar_type() == torch::kFloat || weight.dim() == 0) {
    torch::nn::init::normal_(weight, 0.0, std);  // FP32 models stay as seeded before
    return;
  }
  const int64_t rows = weight.size(0);
  const int64_t row_bytes = rows > 0 ? weight.numel() / rows * int64_t(sizeof(float)) : 0;
  for_each_row_slice(rows, row_bytes, int64_t(64) << 20, [&](int64_t first, int64_t n) {
    auto slice = weight.narrow(0, first, n);
    slice.copy_(torch::empty(slice.sizes(), torch::kFloat).normal_(0.0, std));
  });
}

LoraLinearImpl::LoraLinearImpl(int64_t in_features, int64_t out_features, bool with_bias,
                               WeightsInit init) {
  const auto options = torch::TensorOptions().dtype(init.dtype);
  weight = register_parameter("weight", torch::empty({out_features, in_features}, options));
  if (with_bias) bias = register_parameter("bias", torch::zeros({out_features}, options));
  if (init.random) draw_normal(weight, 0.02);
}

void LoraLinearImpl::add_adapter(AdapterId id, const std::string& name, const LoraSpec& spec) {
  if (id < 0) throw Error("adapter slot must be non-negative");
  if (static_cast<size_t>(id) >= adapters_.size()) adapters_.resize(static_cast<size_t>(id) + 1);
  if (adapters_[static_cast<size_t>(id)]) throw Error("adapter \"" + name + "\" already exists");
  Adapter a;
  a.name = name;
  a.scaling = spec.scaling();
  a.dropout = spec.dropout;
  // FP32 whatever the base weights are: the adapter is what trains (its master weights).
  const auto options = weight.options().dtype(torch::kFloat).requires_grad(false);
  a.A = torch::empty({spec.rank, in_features()}, options);
  a.B = torch::zeros({out_features(), spec.rank}, options);
  torch::nn::init::kaiming_uniform_(a.A, std::sqrt(5.0));
  a.A = register_parameter("lora_A_" + name, a.A);
  a.B = register_parameter("lora_B_" + name, a.B);
  adapters_[static_cast<size_t>(id)] = std::move(a);
}

void LoraLinearImpl::remove_adapter(AdapterId id) {
  if (!has_adapter(id)) return;
  if (merged_ == id) unmerge();
  auto& slot = adapters_[static_cast<size_t>(id)];
  // nn::Module has no unregister; keep the parameter list honest by dropping both entries.
  parameters_.erase("lora_A_" + slot->name);
  parameters_.erase("lora_B_" + slot->name);
  slot.reset();
}

bool LoraLinearImpl::has_adapter(AdapterId id) const {
  return id >= 0 && static_cast<size_t>(id) < adapters_.size() &&
         adapters_[static_cast<size_t>(id)].has_value();
}

const LoraLinearImpl::Adapter& LoraLinearImpl::adapter(AdapterId id) const {
  if (!has_adapter(id)) throw Error("no adapter in slot " + std::to_string(id));
  return *adapters_[static_cast<size_t>(id)];
}

torch::Tensor& LoraLinearImpl::lora_A(AdapterId id) {
  adapter(id);
  return adapters_[static_cast<size_t>(id)]->A;
}

torch::Tensor& LoraLinearImpl::lora_B(AdapterId id) {
  adapter(id);
  return adapters_[static_cast<size_t>(id)]->B;
}

torch::Tensor LoraLinearImpl::add_low_rank(const torch::Tensor& y, const torch::Tensor& x,
                                           const Adapter& a, bool use_dropout, double sign) const {
  const torch::Tensor xa = x.scalar_type() == a.A.scalar_type() ? x : x.to(a.A.scalar_type());
  const torch::Tensor h = use_dropout && a.dropout > 0.0 ? hashed_dropout(xa, a.dropout) : xa;
  // The rank-r intermediate is [tokens, r]; the scaling rides on addmm's alpha.
  const auto r = torch::mm(h.reshape({-1, h.size(-1)}), a.A.t());
  const auto rows = y.reshape({-1, y.size(-1)});
  if (rows.scalar_type() == r.scalar_type()) {
    return torch::addmm(rows, r, a.B.t(), 1.0, sign * a.scaling).view(y.sizes());
  }
  return torch::addmm(rows.to(r.scalar_type()), r, a.B.t(), 1.0, sign * a.scaling)
      .to(y.scalar_type())
      .view(y.sizes());
}

torch::Tensor LoraLinearImpl::forward(const torch::Tensor& x, AdapterId id) {
  if (id != kNoAdapter && merged_ == kNoAdapter && has_adapter(id) && fused_lora_enabled()) {
    const Adapter& a = adapter(id);
    if (fused_lora_applies(x, weight, a.A, a.B)) {
      return fused_lora_linear(x, weight, bias, a.A, a.B, a.scaling,
                               is_training() ? a.dropout : 0.0);
    }
  }
  torch::Tensor y = dense_linear(x, weight, bias);
  if (merged_ != kNoAdapter && merged_ != id) {
    // The base weight carries another adapter's delta: take it back out for this call.
    y = add_low_rank(y, x, adapter(merged_), false, -1.0);
  }
  if (id != kNoAdapter && id != merged_ && has_adapter(id)) {
    y = add_low_rank(y, x, adapter(id), is_training(), 1.0);
  }
  return y;
}

void LoraLinearImpl::merge(AdapterId id) {
  if (merged_ == id) return;
  unmerge();
  const Adapter& a = adapter(id);
  if (weight.scalar_type() != torch::kFloat) {
    throw Error("adapter \"" + a.name +
                "\" cannot be merged into half-precision weights; load the model in fp32");
  }
  torch::NoGradGuard no_grad;
  weight.add_(torch::matmul(a.B, a.A) * a.scaling);
  merged_ = id;
}

void LoraLinearImpl::unmerge() {
  if (merged_ == kNoAdapter) return;
  const Adapter& a = adapter(merged_);
  torch::NoGradGuard no_grad;
  weight.sub_(torch::matmul(a.B, a.A) * a.scaling);
  merged_ = kNoAdapter;
}

}  // namespace sy
