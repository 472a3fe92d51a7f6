// Dense FP32 matrix products on the CPU, through oneDNN's sgemm where the build links it. At the
// narrow shapes of small models (128 to 512 wide, ~1000 rows) it ran 1.3-1.8x faster than
// OpenBLAS on this project's 2-core machine (bench/README.md), and those products are most of a
// training step. Anything else (other dtypes or devices, or a build without oneDNN) goes through
// LibTorch's own mm/addmm, with the same meaning.
#pragma once

#include <ATen/core/Tensor.h>

namespace sy::gemm {

// Whether this build has oneDNN's sgemm, and whether it is used: on unless the environment sets
// SY_ONEDNN=0; tests and benchmarks switch it to compare the two paths.
bool available();
bool enabled();
void set_enabled(bool enabled);

// a [M, K] times b [K, N]. Either operand may be a transposed view of a contiguous matrix (as
// weight.t() is); anything else is made contiguous first.
at::Tensor product(const at::Tensor& a, const at::Tensor& b);
// out += a b, into a contiguous out [M, N].
void add_product(at::Tensor& out, const at::Tensor& a, const at::Tensor& b);

}  // namespace sy::gemm
