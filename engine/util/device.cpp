// Device selection and threads.
#include "engine/util/device.h"

#include <malloc.h>

#include <thread>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "engine/util/denormals.h"
#include "engine/util/error.h"

namespace sy {
namespace {
int g_default_cuda_index = 0;
}  // namespace

void set_default_cuda_index(int index) {
  g_default_cuda_index = index;
}

void tune_cpu_runtime() {
  const unsigned cores = std::thread::hardware_concurrency();
  if (cores > 0) at::set_num_threads(static_cast<int>(cores));
  flush_denormals();  // after the pool is sized: each of its threads sets its own register
  // 32 MiB is glibc's largest mmap threshold; blocks below it are reused from the heap.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
}

c10::Device pick_device(const std::string& request) {
  if (request.empty() || request == "auto") {
    return torch::cuda::is_available()
               ? c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(g_default_cuda_index))
               : c10::Device(c10::kCPU);
  }
  if (request == "cpu") return c10::Device(c10::kCPU);
  if (request.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw Error("device \"" + request + "\" was asked for, but no CUDA GPU is available (or " +
                  "this build's LibTorch has no CUDA); use \"cpu\" or \"auto\"");
    }
    if (request == "cuda") {
      return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(g_default_cuda_index));
    }
    return c10::Device(request);
  }
  throw Error("device \"" + request + "\" is not known; expected auto, cpu or cuda[:N]");
}

}  // namespace sy
