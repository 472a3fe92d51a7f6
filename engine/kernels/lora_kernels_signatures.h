// The LoRA kernels' signatures, declared for the dispatched kernels (in sy::lora) and for each
// build (inside its namespace: generic, avx2, avx512) from this one text, so that they cannot
// drift apart. No include guard and no includes, on purpose: lora_kernels.h and lora_kernels.cpp
// include it inside each namespace, after lora_kernels.h's own includes and types.

// t[n, j] = sum_c x[n, c] * mask(n, c) * a[j, c] for rows n in [first, last); x is [N, cols],
// a [r, cols], t [N, r]. key null: no dropout; otherwise the mask is written to `record`.
void down(const float* x, const dropout::MaskKey* key, uint8_t* record, const float* a, float* t,
          int64_t cols, int64_t r, int64_t first, int64_t last);

// y[n, c] = bias[c] + scale * mask(n, c) * sum_j t[n, j] * bt[j, c] for rows n in [first, last);
// y is [N, cols], t [N, r], bt [r, cols], bias [cols] or null. Written, not added: the frozen
// product is added on top by BLAS (beta = 1), which then skips its own pass zeroing y.
void up(const float* t, const float* bt, MaskBits mask, const float* bias, float* y, int64_t cols,
        int64_t r, float scale, int64_t first, int64_t last);

// out[j, c] = scale * sum_n t[n, j] * g[n, c] * mask(n, c) for columns c in [first, last)
// (multiples of kWidthMultiple), over all rows; g is [rows, cols], t [rows, r], out [r, cols].
void outer(const float* g, MaskBits mask, const float* t, float* out, int64_t cols, int64_t r,
           int64_t rows, float scale, int64_t first, int64_t last);
