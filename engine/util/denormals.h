// Denormal (subnormal) floats off for the engine's arithmetic. A value below 1.2e-38 in FP32 is
// computed in microcode on many x86 CPUs (Intel's "assists", ~100x a normal operation), and
// training that goes wrong — a learning rate far too high saturates softmax, GELU and the AdamW
// moments — fills activations, gradients and optimizer state with them. Flushing them to zero
// (FTZ) and reading them as zero (DAZ) changes no result a model can notice and keeps every step
// at full speed; PyTorch offers the same as torch.set_flush_denormal.
#pragma once

namespace sy {

// Sets FTZ and DAZ for the calling thread and LibTorch's intra-op threads; threads started later
// by this one inherit the setting. Returns false where the CPU has no such mode (not x86 SSE).
bool flush_denormals();

// Whether the calling thread flushes denormals (for tests and diagnostics).
bool flushing_denormals();

}  // namespace sy
