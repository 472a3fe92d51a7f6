// The AVX2 + FMA build of the LoRA kernels (compiled with -mavx2 -mfma on x86-64 only;
// lora_kernels.cpp calls it when the CPU has both).
#define SY_LORA_ISA avx2
#define SY_LORA_WIDTH 8
#include "engine/kernels/lora_kernels_impl.h"
