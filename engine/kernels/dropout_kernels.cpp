// The generic build of the dropout mask and the choice between it and the AVX2 build.
#define SY_DROPOUT_ISA generic
#define SY_DROPOUT_WIDTH 4
#include "engine/kernels/dropout_kernels_impl.h"

#include "engine/kernels/cpu_features.h"

namespace sy::dropout {

void apply_mask(const float* x, float* out, int64_t first, int64_t last, uint64_t seed, double p) {
#ifdef SY_HAVE_AVX2_KERNELS
  if (cpu_has_avx2_fma()) return avx2::apply_mask(x, out, first, last, seed, p);
#endif
  generic::apply_mask(x, out, first, last, seed, p);
}

}  // namespace sy::dropout
