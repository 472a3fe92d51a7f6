// FTZ/DAZ through the SSE control register (MXCSR bits 15 and 6); see denormals.h.
#include "engine/util/denormals.h"

#include <ATen/Parallel.h>

#if defined(__SSE2__) || defined(__x86_64__)
#include <xmmintrin.h>
#define SY_HAS_MXCSR 1
#endif

namespace sy {

namespace {
#ifdef SY_HAS_MXCSR
constexpr unsigned kFlushToZero = 1u << 15;
constexpr unsigned kDenormalsAreZero = 1u << 6;

void set_this_thread() {
  _mm_setcsr(_mm_getcsr() | kFlushToZero | kDenormalsAreZero);
}
#endif
}  // namespace

bool flush_denormals() {
#ifdef SY_HAS_MXCSR
  set_this_thread();
  // The intra-op pool (OpenMP in LibTorch 1.13) may already exist; one chunk per thread makes
  // every one of its threads set its own register.
  const int64_t threads = at::get_num_threads();
  at::parallel_for(0, threads, 1, [](int64_t, int64_t) { set_this_thread(); });
  return true;
#else
  return false;
#endif
}

bool flushing_denormals() {
#ifdef SY_HAS_MXCSR
  return (_mm_getcsr() & (kFlushToZero | kDenormalsAreZero)) == (kFlushToZero | kDenormalsAreZero);
#else
  return false;
#endif
}

}  // namespace sy
