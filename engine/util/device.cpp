// Device selection and threads.
#include "engine/util/device.h"

#include <thread>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "engine/util/error.h"

namespace sy {

void use_all_cores() {
  const unsigned cores = std::thread::hardware_concurrency();
  if (cores > 0) at::set_num_threads(static_cast<int>(cores));
}

c10::Device pick_device(const std::string& request) {
  if (request.empty() || request == "auto") {
    return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  }
  if (request == "cpu") return c10::Device(c10::kCPU);
  if (request.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw Error("device \"" + request + "\" was asked for, but no CUDA GPU is available (or " +
                  "this build's LibTorch has no CUDA); use \"cpu\" or \"auto\"");
    }
    return c10::Device(request);
  }
  throw Error("device \"" + request + "\" is not known; expected auto, cpu or cuda[:N]");
}

}  // namespace sy
