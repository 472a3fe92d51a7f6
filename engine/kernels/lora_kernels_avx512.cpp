// The AVX-512 build of the LoRA kernels (compiled with -mavx512f -mfma on x86-64 only;
// lora_kernels.cpp calls it when the CPU has AVX-512 and the widths are multiples of 16).
#define SY_LORA_ISA avx512
#define SY_LORA_WIDTH 16
#include "engine/kernels/lora_kernels_impl.h"
