// Autocast on LibTorch 1.13's C++ side: the thread-local flags plus the nesting count, whose
// return to zero is what clears autocast's cache of cast weights.
#include "engine/model/precision.h"

#include <fstream>
#include <string>

#include <ATen/autocast_mode.h>
#include <torch/cuda.h>

#include "engine/util/error.h"

namespace sy {

Precision parse_precision(const std::string& text, const std::string& field) {
  if (text == "fp32") return Precision::FP32;
  if (text == "bf16") return Precision::BF16;
  if (text == "fp16") return Precision::FP16;
  if (text == "auto") return native_bf16() ? Precision::BF16 : Precision::FP32;
  throw Error(field + " must be \"fp32\", \"bf16\", \"fp16\" or \"auto\", not \"" + text + "\"");
}

void require_precision_on(Precision precision, c10::Device device, const std::string& field) {
  if (precision == Precision::FP16 && !device.is_cuda()) {
    throw Error(field + " is \"fp16\", which needs a CUDA device (--device cuda); on " +
                device.str() + " use \"fp32\", \"bf16\" or \"auto\"");
  }
}

bool native_bf16() {
  static const bool native = [] {
    if (torch::cuda::is_available()) return true;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
      if (line.rfind("flags", 0) != 0) continue;
      return line.find(" amx_bf16") != std::string::npos ||
             line.find(" avx512_bf16") != std::string::npos;
    }
    return false;
  }();
  return native;
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

AutocastScope::AutocastScope(Precision precision, c10::Device device) {
  if (precision == Precision::FP32) return;
  require_precision_on(precision, device, "precision");
  active_ = true;
  cuda_ = device.is_cuda();
  if (cuda_) {
    was_enabled_ = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(precision == Precision::FP16 ? at::kHalf : at::kBFloat16);
    at::autocast::set_enabled(true);
  } else {
    was_enabled_ = at::autocast::is_cpu_enabled();
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (cuda_) {
    at::autocast::set_enabled(was_enabled_);
  } else {
    at::autocast::set_cpu_enabled(was_enabled_);
  }
}

}  // namespace sy
