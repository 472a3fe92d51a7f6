// The generic build of the LoRA kernels and the choice between it and the AVX2 and AVX-512
// builds. The AVX-512 build reads 16 floats at a time, so it takes rows (and column ranges) whose
// widths are multiples of 16; the rest go to the AVX2 build.
#define SY_LORA_ISA generic
#define SY_LORA_WIDTH 4
#include "engine/kernels/lora_kernels_impl.h"

#include "engine/kernels/cpu_features.h"

namespace sy::lora {

#ifdef SY_HAVE_AVX2_KERNELS
namespace avx2 {
#include "engine/kernels/lora_kernels_signatures.h"
}  // namespace avx2
namespace avx512 {
#include "engine/kernels/lora_kernels_signatures.h"
}  // namespace avx512
#endif

void down(const float* x, const dropout::MaskKey* key, uint8_t* record, const float* a, float* t,
          int64_t cols, int64_t r, int64_t first, int64_t last) {
#ifdef SY_HAVE_AVX2_KERNELS
  if (cpu_has_avx512f() && cols % 16 == 0) {
    return avx512::down(x, key, record, a, t, cols, r, first, last);
  }
  if (cpu_has_avx2_fma()) return avx2::down(x, key, record, a, t, cols, r, first, last);
#endif
  generic::down(x, key, record, a, t, cols, r, first, last);
}

void up(const float* t, const float* bt, MaskBits mask, const float* bias, float* y, int64_t cols,
        int64_t r, float scale, int64_t first, int64_t last) {
#ifdef SY_HAVE_AVX2_KERNELS
  if (cpu_has_avx512f() && cols % 16 == 0) {
    return avx512::up(t, bt, mask, bias, y, cols, r, scale, first, last);
  }
  if (cpu_has_avx2_fma()) return avx2::up(t, bt, mask, bias, y, cols, r, scale, first, last);
#endif
  generic::up(t, bt, mask, bias, y, cols, r, scale, first, last);
}

void outer(const float* g, MaskBits mask, const float* t, float* out, int64_t cols, int64_t r,
           int64_t rows, float scale, int64_t first, int64_t last) {
#ifdef SY_HAVE_AVX2_KERNELS
  if (cpu_has_avx512f() && cols % 16 == 0 && first % 16 == 0 && last % 16 == 0) {
    return avx512::outer(g, mask, t, out, cols, r, rows, scale, first, last);
  }
  if (cpu_has_avx2_fma()) return avx2::outer(g, mask, t, out, cols, r, rows, scale, first, last);
#endif
  generic::outer(g, mask, t, out, cols, r, rows, scale, first, last);
}

}  // namespace sy::lora
