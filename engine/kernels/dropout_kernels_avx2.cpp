// The AVX2 build of the dropout mask (compiled with -mavx2 -mfma on x86-64 only;
// dropout_kernels.cpp calls it when the CPU has AVX2).
#define SY_DROPOUT_ISA avx2
#define SY_DROPOUT_WIDTH 8
#include "engine/kernels/dropout_kernels_impl.h"
