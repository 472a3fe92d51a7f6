// Numeric precision of the heavy maths. FP32 is the reference path; BF16 runs matrix products in
// bfloat16 (AMX / AVX512-BF16 on CPUs that have them, tensor cores on GPUs) through LibTorch's
// autocast, while weights, norms, softmax, losses and optimizer state stay FP32. FP16 does the
// same in float16 on CUDA only (LibTorch's CPU autocast knows bf16 alone); its training needs
// loss scaling (engine/train/loss_scaler.h).
#pragma once

#include <string>

#include <optional>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace sy {

enum class Precision { FP32, BF16, FP16 };

// "fp32", "bf16", "fp16" or "auto" (auto_precision()); anything else is an error naming `field`.
Precision parse_precision(const std::string& text, const std::string& field);
std::string precision_name(Precision precision);
// Throws, naming `field`, when `precision` cannot run on `device` (FP16 off CUDA).
void require_precision_on(Precision precision, c10::Device device, const std::string& field);
// What "auto" means here: BF16 where a CUDA GPU is there (the engine's default device then), FP32
// on CPUs. Even a CPU with AMX trains our models faster in FP32: under autocast every product
// bypasses our fused FP32 kernels for LibTorch's bf16 paths, and the built-in model's LoRA step
// took 2.2x as long (bench/README.md); without AMX or AVX512-BF16 LibTorch emulates bf16, ~15x.
// bf16 pays on a CPU only for wide models, chosen explicitly (GPT-2 small: 1.4x faster with AMX).
Precision auto_precision();

// The dtype autocast casts matrix products to on `device` right now; none while it is off.
std::optional<c10::ScalarType> active_autocast_dtype(c10::Device device);

// While alive, matrix products on `device` run in `precision` (a no-op for FP32).
class AutocastScope {
 public:
  AutocastScope(Precision precision, c10::Device device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool was_enabled_ = false;
};

}  // namespace sy
