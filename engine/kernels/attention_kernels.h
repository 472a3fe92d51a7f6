// Causal self-attention of one sequence and one query head on raw FP32 rows, forward and
// backward: the arithmetic behind causal_attention.h, which brings the tensors, autograd and
// threads. Free of LibTorch so that it compiles in a second; attention_kernels_impl.h is built
// twice (generic x86-64 and AVX2 + FMA) and the fastest build the CPU runs is picked once.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sy::attention {

// The head dimension must be a multiple of this (every supported family's is).
constexpr int64_t kHeadDimMultiple = 32;
// Key rows are padded to a multiple of this in the score buffers, so vector loads never run off.
constexpr int64_t kKeyPad = 8;

constexpr int64_t padded_length(int64_t T) {
  return (T + kKeyPad - 1) / kKeyPad * kKeyPad;
}

// One (sequence, query head). Row t of q, k and v starts at q + t * q_stride (and so on); the
// D floats of a row are contiguous. Query t sees keys 0..t whose keep value is 1.
struct HeadView {
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  int64_t q_stride = 0, k_stride = 0, v_stride = 0;
  const float* key_keep = nullptr;  // [Tp]: 1 for a real key, 0 for padding (and past T)
  int64_t T = 0, D = 0;
  float scale = 1.0f;  // applied to q . k
};

// Floats of scratch space one call needs (one buffer per thread, reused across heads).
size_t scratch_floats(int64_t T, int64_t D);

// forward uses only the first D * Tp floats of its scratch: a caller that does not keep probs
// may place them after those (scratch_floats leaves room for T * Tp more).
constexpr int64_t forward_scratch_floats(int64_t T, int64_t D) {
  return D * padded_length(T);
}

// probs: [T, Tp] softmax rows, zero where masked or in the future; out: T rows of D floats.
// A query with no visible key (a padded row before any real token) gets zeros.
void forward(const HeadView& head, float* probs, float* out, int64_t out_stride, float* scratch);

// Given the forward's probs and out and the gradient of out: dq is written; dk and dv are added
// to, so that the query heads sharing one key/value head (grouped-query attention) accumulate.
void backward(const HeadView& head, const float* probs, const float* out, int64_t out_stride,
              const float* dout, int64_t dout_stride, float* dq, int64_t dq_stride, float* dk,
              float* dv, int64_t dkv_stride, float* scratch);

// "avx2" or "generic": which build runs, for benchmarks' headers.
const char* kernel_isa();

// The two builds behind forward and backward. generic is callable directly so that tests cover
// it on CPUs that pick AVX2; avx2 exists on x86-64 only.
#define SY_ATTENTION_DECLARE_BUILD(isa)                                                          \
  namespace isa {                                                                                \
  void forward(const HeadView& head, float* probs, float* out, int64_t out_stride,               \
               float* scratch);                                                                  \
  void backward(const HeadView& head, const float* probs, const float* out, int64_t out_stride,  \
                const float* dout, int64_t dout_stride, float* dq, int64_t dq_stride, float* dk, \
                float* dv, int64_t dkv_stride, float* scratch);                                  \
  }
SY_ATTENTION_DECLARE_BUILD(generic)
SY_ATTENTION_DECLARE_BUILD(avx2)
#undef SY_ATTENTION_DECLARE_BUILD

}  // namespace sy::attention
