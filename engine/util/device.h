// Where the engine computes: the thread count for CPU work, and the device a run asked for.
#pragma once

#include <string>

#include <c10/core/Device.h>

namespace sy {

// LibTorch defaults to one thread on some machines; use every core.
void use_all_cores();

// "auto" (CUDA when present, else CPU), "cpu" or "cuda[:N]". An unavailable CUDA is an error.
c10::Device pick_device(const std::string& request);

}  // namespace sy
