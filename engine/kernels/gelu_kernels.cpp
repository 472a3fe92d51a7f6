// The generic build of the GELU kernels and the choice between it and the AVX2 and AVX-512
// builds.
#define SY_GELU_ISA generic
#define SY_GELU_WIDTH 4
#include "engine/kernels/gelu_kernels_impl.h"

#include "engine/kernels/cpu_features.h"

namespace sy::gelu {

#ifdef SY_HAVE_AVX2_KERNELS
namespace avx2 {
void forward(const float* x, float* y, int64_t first, int64_t last);
void backward(const float* x, const float* dy, float* dx, int64_t first, int64_t last);
}  // namespace avx2
namespace avx512 {
void forward(const float* x, float* y, int64_t first, int64_t last);
void backward(const float* x, const float* dy, float* dx, int64_t first, int64_t last);
}  // namespace avx512
#endif

void forward(const float* x, float* y, int64_t first, int64_t last) {
#ifdef SY_HAVE_AVX2_KERNELS
  if (cpu_has_avx512f()) return avx512::forward(x, y, first, last);
  if (cpu_has_avx2_fma()) return avx2::forward(x, y, first, last);
#endif
  generic::forward(x, y, first, last);
}

void backward(const float* x, const float* dy, float* dx, int64_t first, int64_t last) {
#ifdef SY_HAVE_AVX2_KERNELS
  if (cpu_has_avx512f()) return avx512::backward(x, dy, dx, first, last);
  if (cpu_has_avx2_fma()) return avx2::backward(x, dy, dx, first, last);
#endif
  generic::backward(x, dy, dx, first, last);
}

}  // namespace sy::gelu
