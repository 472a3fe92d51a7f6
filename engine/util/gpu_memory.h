// The memory of a CUDA device, for the memory check before a run: what the device has in all.
// Only a CUDA build knows it (engine/CMakeLists.txt compiles gpu_memory.cpp with the CUDA
// headers there); elsewhere, and for a CPU device, it is 0: unknown, so nothing is refused.
#pragma once

#include <cstdint>

#include <c10/core/Device.h>

namespace sy {

int64_t gpu_total_memory(c10::Device device);

}  // namespace sy
