// The AVX2 + FMA build of the attention kernels (compiled with -mavx2 -mfma on x86-64 only;
// attention_kernels.cpp calls it when the CPU has both).
#define SY_ATTENTION_ISA avx2
#define SY_ATTENTION_WIDTH 8
#include "engine/kernels/attention_kernels_impl.h"
