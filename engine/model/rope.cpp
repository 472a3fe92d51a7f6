// RoPE tables and rotation; the fused node runs the rows of one (sequence, position), all heads,
// in parallel, each row's two halves in one loop.
#include "engine/model/rope.h"

#include <vector>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

#include "engine/kernels/tensor_rows.h"

namespace sy {
namespace {

// (sequence, position) pairs per thread chunk, each all heads' rows.
constexpr int64_t kRowGrain = 64;

torch::Tensor rotate_half(const torch::Tensor& x) {
  auto halves = x.chunk(2, -1);
  return torch::cat({-halves[1], halves[0]}, -1);
}

// One row: y1 = x1 c1 + sign x2 s_lo and y2 = x2 c2 - sign x1 s_hi, half floats each.
// Parameters, so that __restrict lets the compiler vectorise the loop.
inline void rotate_row(const float* __restrict x, const float* __restrict c,
                       const float* __restrict s_lo, const float* __restrict s_hi, float sign,
                       float* __restrict y, int64_t half) {
  for (int64_t i = 0; i < half; ++i) {
    y[i] = x[i] * c[i] + sign * x[i + half] * s_lo[i];
    y[i + half] = x[i + half] * c[i + half] - sign * x[i] * s_hi[i];
  }
}

// out [B, H, T, D] = rotation of in, or its transpose (the backward): with c, s the row's tables,
// out1 = in1 c1 - in2 s1 and out2 = in2 c2 + in1 s2 forward; the backward's transpose is
// out1 = in1 c1 + in2 s2 and out2 = in2 c2 - in1 s1. Rows run in (sequence, position, head)
// order: q and k are views of the [B, T, 3 H D] qkv product, where one position's heads are
// neighbours; head by head, the walk went through the whole buffer once per head and missed the
// cache.
void rotate(const torch::Tensor& in, const torch::Tensor& cos, const torch::Tensor& sin,
            torch::Tensor& out, bool backward) {
  const int64_t B = in.size(0), H = in.size(1), T = in.size(2), D = in.size(3), half = D / 2;
  // Strides read once: Tensor::stride() is an out-of-line call, and a row is only D floats.
  const int64_t in_b = in.stride(0), in_h = in.stride(1), in_t = in.stride(2);
  const int64_t out_b = out.stride(0), out_h = out.stride(1), out_t = out.stride(2);
  const float* src = in.data_ptr<float>();
  const float* cos_p = cos.data_ptr<float>();
  const float* sin_p = sin.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const float sign = backward ? 1.0f : -1.0f;
  at::parallel_for(0, B * T, kRowGrain, [&](int64_t first, int64_t last) {
    for (int64_t bt = first; bt < last; ++bt) {
      const int64_t b = bt / T, t = bt % T;
      const float* c = cos_p + bt * D;
      const float* s = sin_p + bt * D;
      // Forward, s1 pairs with the second half and s2 with the first; backward the other way.
      const float* s_lo = backward ? s + half : s;
      const float* s_hi = backward ? s : s + half;
      for (int64_t h = 0; h < H; ++h) {
        rotate_row(src + b * in_b + h * in_h + t * in_t, c, s_lo, s_hi, sign,
                   dst + b * out_b + h * out_h + t * out_t, half);
      }
    }
  });
}

// [B, H, T, D] shaped, [B, T, H, D] in memory.
torch::Tensor heads_side_by_side(const torch::Tensor& like) {
  return torch::empty({like.size(0), like.size(2), like.size(1), like.size(3)}, like.options())
      .transpose(1, 2);
}

struct Rope : torch::autograd::Function<Rope> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& cos, const torch::Tensor& sin) {
    auto y = heads_side_by_side(x);
    rotate(x, cos, sin, y, false);
    ctx->save_for_backward({cos, sin});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto dy = with_contiguous_rows(grads[0]);
    auto dx = heads_side_by_side(dy);
    rotate(dy, saved[0], saved[1], dx, true);
    return {dx, torch::Tensor(), torch::Tensor()};
  }
};

bool fused_rope_applies(const torch::Tensor& x, const torch::Tensor& cos,
                        const torch::Tensor& sin) {
  for (const auto* t : {&x, &cos, &sin}) {
    if (!t->device().is_cpu() || t->scalar_type() != torch::kFloat) return false;
  }
  if (x.dim() != 4 || x.size(3) % 2 != 0) return false;
  const std::vector<int64_t> table = {x.size(0), 1, x.size(2), x.size(3)};
  return cos.sizes() == c10::IntArrayRef(table) && sin.sizes() == c10::IntArrayRef(table) &&
         cos.is_contiguous() && sin.is_contiguous() && !cos.requires_grad() && !sin.requires_grad();
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> rope_tables(const torch::Tensor& positions, int64_t dim,
                                                    double theta) {
  const auto exponents =
      torch::arange(0, dim, 2, torch::kLong).to(torch::kFloat) / static_cast<double>(dim);
  const auto inv_freq = (1.0 / torch::pow(theta, exponents)).to(positions.device());
  auto freqs = positions.to(torch::kFloat).unsqueeze(-1) * inv_freq;  // [B, T, D/2]
  auto emb = torch::cat({freqs, freqs}, -1).unsqueeze(1);             // [B, 1, T, D]
  return {emb.cos(), emb.sin()};
}

torch::Tensor apply_rope_written_out(const torch::Tensor& x, const torch::Tensor& cos,
                                     const torch::Tensor& sin) {
  return x * cos.to(x.scalar_type()) + rotate_half(x) * sin.to(x.scalar_type());
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin) {
  if (!fused_rope_applies(x, cos, sin)) return apply_rope_written_out(x, cos, sin);
  return Rope::apply(with_contiguous_rows(x), cos, sin);
}

}  // namespace sy
