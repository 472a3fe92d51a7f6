// The AVX-512 build of the GELU kernels (compiled with -mavx512f -mfma on x86-64 only;
// gelu_kernels.cpp calls it when the CPU has AVX-512).
#define SY_GELU_ISA avx512
#define SY_GELU_WIDTH 16
#include "engine/kernels/gelu_kernels_impl.h"
