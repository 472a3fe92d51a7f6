// The generic build of the attention kernels and the choice between it and the AVX2 build.
#define SY_ATTENTION_ISA generic
#define SY_ATTENTION_WIDTH 4
#include "engine/kernels/attention_kernels_impl.h"

#include "engine/kernels/cpu_features.h"

namespace sy::attention {

size_t scratch_floats(int64_t T, int64_t D) {
  const int64_t Tp = padded_length(T);
  return static_cast<size_t>(D * Tp + 2 * T * Tp);
}

void forward(const HeadView& head, float* probs, float* out, int64_t out_stride, float* scratch) {
#ifdef SY_HAVE_AVX2_KERNELS
  if (cpu_has_avx2_fma()) return avx2::forward(head, probs, out, out_stride, scratch);
#endif
  generic::forward(head, probs, out, out_stride, scratch);
}

void backward(const HeadView& head, const float* probs, const float* out, int64_t out_stride,
              const float* dout, int64_t dout_stride, float* dq, int64_t dq_stride, float* dk,
              float* dv, int64_t dkv_stride, float* scratch) {
#ifdef SY_HAVE_AVX2_KERNELS
  if (cpu_has_avx2_fma()) {
    return avx2::backward(head, probs, out, out_stride, dout, dout_stride, dq, dq_stride, dk, dv,
                          dkv_stride, scratch);
  }
#endif
  generic::backward(head, probs, out, out_stride, dout, dout_stride, dq, dq_stride, dk, dv,
                    dkv_stride, scratch);
}

const char* kernel_isa() {
#ifdef SY_HAVE_AVX2_KERNELS
  if (cpu_has_avx2_fma()) return "avx2";
#endif
  return "generic";
}

}  // namespace sy::attention
