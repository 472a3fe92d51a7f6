// Autocast on LibTorch's C++ side: the thread-local flags plus the nesting count, whose return to
// zero is what clears autocast's cache of cast weights. LibTorch 2.4 replaced the per-device flag
// functions (is_enabled, set_cpu_enabled, ...) by ones taking the device type and deprecated the
// old ones; the helpers below call whichever this LibTorch has, so both builds stay warning-free.
#include "engine/kernels/precision.h"

#include <string>

#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "engine/util/error.h"

namespace sy {
namespace {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
at::DeviceType autocast_device(bool cuda) {
  return cuda ? at::kCUDA : at::kCPU;
}
bool autocast_enabled(bool cuda) {
  return at::autocast::is_autocast_enabled(autocast_device(cuda));
}
void set_autocast(bool cuda, bool enabled) {
  at::autocast::set_autocast_enabled(autocast_device(cuda), enabled);
}
at::ScalarType autocast_dtype(bool cuda) {
  return at::autocast::get_autocast_dtype(autocast_device(cuda));
}
void set_autocast_dtype(bool cuda, at::ScalarType dtype) {
  at::autocast::set_autocast_dtype(autocast_device(cuda), dtype);
}
#else
bool autocast_enabled(bool cuda) {
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void set_autocast(bool cuda, bool enabled) {
  if (cuda) {
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_cpu_enabled(enabled);
  }
}
at::ScalarType autocast_dtype(bool cuda) {
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void set_autocast_dtype(bool cuda, at::ScalarType dtype) {
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
}
#endif

}  // namespace

Precision parse_precision(const std::string& text, const std::string& field) {
  if (text == "fp32") return Precision::FP32;
  if (text == "bf16") return Precision::BF16;
  if (text == "fp16") return Precision::FP16;
  if (text == "auto") return auto_precision();
  throw Error(field + " must be \"fp32\", \"bf16\", \"fp16\" or \"auto\", not \"" + text + "\"");
}

void require_precision_on(Precision precision, c10::Device device, const std::string& field) {
  if (precision == Precision::FP16 && !device.is_cuda()) {
    throw Error(field + " is \"fp16\", which needs a CUDA device (--device cuda); on " +
                device.str() + " use \"fp32\", \"bf16\" or \"auto\"");
  }
}

Precision auto_precision() {
  static const bool cuda = torch::cuda::is_available();
  return cuda ? Precision::BF16 : Precision::FP32;
}

std::string precision_name(Precision precision) {
  switch (precision) {
    case Precision::BF16:
      return "bf16";
    case Precision::FP16:
      return "fp16";
    case Precision::FP32:
      break;
  }
  return "fp32";
}

std::optional<c10::ScalarType> active_autocast_dtype(c10::Device device) {
  if (!autocast_enabled(device.is_cuda())) return std::nullopt;
  return autocast_dtype(device.is_cuda());
}

AutocastScope::AutocastScope(Precision precision, c10::Device device) {
  if (precision == Precision::FP32) return;
  require_precision_on(precision, device, "precision");
  active_ = true;
  cuda_ = device.is_cuda();
  was_enabled_ = autocast_enabled(cuda_);
  set_autocast_dtype(cuda_, precision == Precision::FP16 ? at::kHalf : at::kBFloat16);
  set_autocast(cuda_, true);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(cuda_, was_enabled_);
}

}  // namespace sy
