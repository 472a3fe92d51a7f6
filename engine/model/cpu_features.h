// What the CPU the engine runs on can do, asked once: the kernels built a second time with
// -mavx2 -mfma run only where both are there, those built a third time with -mavx512f -mfma
// only where AVX-512 Foundation is there too.
#pragma once

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

}  // namespace sy
