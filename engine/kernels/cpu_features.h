// What the CPU the engine runs on can do, asked once: the kernels built a second time with
// -mavx2 -mfma run only where both are there, those built a third time with -mavx512f -mfma
// only where AVX-512 Foundation is there too; bf16 products stay in bf16 only where the CPU
// multiplies bf16 itself.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace sy {

inline bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

inline bool cpu_has_avx512f() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f");
  return has;
#else
  return false;
#endif
}

// bf16 products in hardware: AVX512-BF16 (dot products of bf16 pairs) or AMX-BF16 (tile
// products), which oneDNN uses for LibTorch's bf16 matrix products; without them LibTorch widens
// bf16 element by element, an order of magnitude slower than FP32.
inline bool cpu_has_native_bf16() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = [] {
    if (!cpu_has_avx512f()) return false;
    unsigned a = 0, b = 0, c = 0, d = 0;
    const bool amx = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (d & (1u << 22)) != 0;
    const bool avx512_bf16 = __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5)) != 0;
    return amx || avx512_bf16;
  }();
  return has;
#else
  return false;
#endif
}

}  // namespace sy
