// What the CPU the engine runs on can do, asked once: the kernels built a second time with
// -mavx2 -mfma run only where both are there.
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

}  // namespace sy
