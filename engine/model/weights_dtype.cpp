// Names and sizes of the weights dtypes.
#include "engine/model/weights_dtype.h"

#include "engine/kernels/cpu_features.h"
#include "engine/util/env_switch.h"
#include "engine/util/error.h"

namespace sy {

WeightsDtype parse_weights_dtype(const std::string& text, const std::string& field) {
  if (text == "auto") return WeightsDtype::Auto;
  if (text == "fp32") return WeightsDtype::FP32;
  if (text == "bf16") return WeightsDtype::BF16;
  if (text == "fp16") return WeightsDtype::FP16;
  throw Error(field + " must be \"auto\", \"fp32\", \"bf16\" or \"fp16\", not \"" + text + "\"");
}

std::string weights_dtype_name(WeightsDtype dtype) {
  switch (dtype) {
    case WeightsDtype::FP32:
      return "fp32";
    case WeightsDtype::BF16:
      return "bf16";
    case WeightsDtype::FP16:
      return "fp16";
    case WeightsDtype::Auto:
      break;
  }
  return "auto";
}

c10::ScalarType weights_scalar_type(WeightsDtype dtype) {
  switch (dtype) {
    case WeightsDtype::BF16:
      return c10::ScalarType::BFloat16;
    case WeightsDtype::FP16:
      return c10::ScalarType::Half;
    case WeightsDtype::FP32:
      return c10::ScalarType::Float;
    case WeightsDtype::Auto:
      break;
  }
  throw Error("weights dtype \"auto\" must be resolved against the model folder first");
}

WeightsDtype weights_dtype_of(c10::ScalarType type) {
  if (type == c10::ScalarType::BFloat16) return WeightsDtype::BF16;
  if (type == c10::ScalarType::Half) return WeightsDtype::FP16;
  return WeightsDtype::FP32;
}

WeightsDtype resolve_weights_dtype(WeightsDtype requested, WeightsDtype stored) {
  if (requested != WeightsDtype::Auto) return requested;
  return stored == WeightsDtype::Auto ? WeightsDtype::FP32 : stored;
}

int64_t weights_dtype_bytes(WeightsDtype dtype) {
  return dtype == WeightsDtype::BF16 || dtype == WeightsDtype::FP16 ? 2 : 4;
}

c10::ScalarType compute_dtype(c10::ScalarType weights, c10::Device device) {
  static const EnvSwitch native_half("SWITCHYARD_NATIVE_HALF");
  const bool half = weights == c10::ScalarType::BFloat16 || weights == c10::ScalarType::Half;
  if (!half || device.is_cuda()) return weights;
  if (native_half.on() && weights == c10::ScalarType::BFloat16 && cpu_has_native_bf16()) {
    return weights;
  }
  return c10::ScalarType::Float;
}

}  // namespace sy
