// The dropout mask as a pure function of (seed, element index): a keep factor of 0 (probability
// p) or 1 / (1 - p) from two rounds of MurmurHash3's 32-bit finaliser over the index and the
// seed. 32-bit integer arithmetic, so the AVX2 build hashes eight elements per instruction and
// gives bit for bit the generic build's mask. Free of LibTorch; dropout_kernels_impl.h is built
// generic and with AVX2, picked once at run time. Callers split [first, last) over threads.
#pragma once

#include <cstdint>

namespace sy::dropout {

// out[i] = (x ? x[i] : 1) * keep(seed, i) for i in [first, last); out may equal x.
void apply_mask(const float* x, float* out, int64_t first, int64_t last, uint64_t seed, double p);

// The two builds behind apply_mask: generic, callable directly so that tests cover it on CPUs
// that pick AVX2, and avx2 (x86-64 only).
namespace generic {
void apply_mask(const float* x, float* out, int64_t first, int64_t last, uint64_t seed, double p);
}  // namespace generic
namespace avx2 {
void apply_mask(const float* x, float* out, int64_t first, int64_t last, uint64_t seed, double p);
}  // namespace avx2

}  // namespace sy::dropout
