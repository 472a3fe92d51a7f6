// Where the engine computes: the thread count for CPU work, and the device a run asked for.
#pragma once

#include <string>

#include <c10/core/Device.h>

namespace sy {

// Every core for LibTorch (it defaults to one thread on some machines), and an allocator that
// keeps freed blocks: glibc hands tensors over 128 KiB back to the kernel on free, so each step
// page-faults its activations in again (measured: 15 % of a training step here); and denormal
// floats flushed to zero (denormals.h).
void tune_cpu_runtime();

// "auto" (CUDA when present, else CPU), "cpu" or "cuda[:N]". An unavailable CUDA is an error.
// "auto" and "cuda" mean the default GPU: 0, or a data-parallel rank's own (engine/dist).
c10::Device pick_device(const std::string& request);
void set_default_cuda_index(int index);

}  // namespace sy
