// GELU (the exact, erf form: x * Phi(x)) and its derivative on raw FP32 arrays. LibTorch 1.13's
// CPU gelu and gelu_backward took ~4.5 ms per [2336, 512] activation of the built-in model's
// batch, forward and backward (a ReLU takes ~1); here erf comes from Abramowitz and Stegun's
// 7.1.26 (absolute error under 1.5e-7) with a vectorised exp, and the backward reuses the same
// exp for the density. Free of LibTorch; gelu_kernels_impl.h is built generic, for AVX2 +
// FMA and for AVX-512, picked once at run time. Callers split [first, last) over threads.
#pragma once

#include <cstdint>

namespace sy::gelu {

// y[i] = x[i] * Phi(x[i]) for i in [first, last).
void forward(const float* x, float* y, int64_t first, int64_t last);
// dx[i] = dy[i] * (Phi(x[i]) + x[i] * phi(x[i])) for i in [first, last).
void backward(const float* x, const float* dy, float* dx, int64_t first, int64_t last);

// The generic build, callable directly so that tests compare it with the dispatched one.
namespace generic {
void forward(const float* x, float* y, int64_t first, int64_t last);
void backward(const float* x, const float* dy, float* dx, int64_t first, int64_t last);
}  // namespace generic

}  // namespace sy::gelu
