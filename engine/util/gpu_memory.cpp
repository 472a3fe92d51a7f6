// The device's total memory from LibTorch's CUDA context (no CUDA runtime call of our own).
#include "engine/util/gpu_memory.h"

#ifdef SY_HAVE_CUDA_HEADERS
#include <ATen/cuda/CUDAContext.h>
#endif

namespace sy {

int64_t gpu_total_memory(c10::Device device) {
#ifdef SY_HAVE_CUDA_HEADERS
  if (!device.is_cuda()) return 0;
  const auto index = device.has_index() ? device.index() : at::cuda::current_device();
  return static_cast<int64_t>(at::cuda::getDeviceProperties(index)->totalGlobalMem);
#else
  (void)device;
  return 0;
#endif
}

}  // namespace sy
