// The dtype a model's frozen base weights are held in. Half precision (bf16, fp16) halves the
// memory of the base model, which is what lets a 7B expert train on a 24 GB machine; whatever it
// is, LoRA matrices, their gradients and optimizer state stay FP32, and norms, softmax and the
// loss are computed in FP32.
#pragma once

#include <string>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace sy {

enum class WeightsDtype { Auto, FP32, BF16, FP16 };

// "auto", "fp32", "bf16" or "fp16"; anything else is an error naming `field`.
WeightsDtype parse_weights_dtype(const std::string& text, const std::string& field);
std::string weights_dtype_name(WeightsDtype dtype);
// The dtype of FP32, BF16 or FP16 (Auto must be resolved first: resolve_weights_dtype).
c10::ScalarType weights_scalar_type(WeightsDtype dtype);
WeightsDtype weights_dtype_of(c10::ScalarType type);  // FP32 for any non-half type
// Auto keeps `stored` (what a Hugging Face folder holds); the built-in model's folder passes FP32.
WeightsDtype resolve_weights_dtype(WeightsDtype requested, WeightsDtype stored);
// Bytes of one weight.
int64_t weights_dtype_bytes(WeightsDtype dtype);

// The dtype a model with `weights` computes in on `device`: the weights' own where the device
// multiplies it natively (a GPU; bf16 on a CPU with AVX512-BF16 or AMX), else FP32, with each
// half-precision weight widened for its product alone (fp16 on any CPU, bf16 on AVX2-only ones),
// which keeps the memory saving at FP32's speed. SWITCHYARD_NATIVE_HALF=0 forces the FP32 path,
// for comparing the two.
c10::ScalarType compute_dtype(c10::ScalarType weights, c10::Device device);

}  // namespace sy
