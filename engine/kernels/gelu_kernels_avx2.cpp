// The AVX2 + FMA build of the GELU kernels (compiled with -mavx2 -mfma on x86-64 only;
// gelu_kernels.cpp calls it when the CPU has both).
#define SY_GELU_ISA avx2
#define SY_GELU_WIDTH 8
#include "engine/kernels/gelu_kernels_impl.h"
