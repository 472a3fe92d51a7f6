// oneDNN's sgemm is row-major, like our tensors: each operand is passed as it lies in memory,
// with a transpose flag for a transposed view, so nothing is copied.
#include "engine/kernels/cpu_gemm.h"

#include <ATen/ATen.h>

#ifdef SY_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

#include "engine/util/env_switch.h"
#include "engine/util/error.h"

namespace sy::gemm {
namespace {

EnvSwitch& onednn_switch() {
  static EnvSwitch onednn("SY_ONEDNN");
  return onednn;
}

#ifdef SY_HAVE_ONEDNN
// Anything else, a shape mismatch included, goes to LibTorch, whose checks name the problem.
bool takes(const at::Tensor& a, const at::Tensor& b) {
  return enabled() && a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(0) &&
         a.device().is_cpu() && b.device().is_cpu() && a.scalar_type() == at::kFloat &&
         b.scalar_type() == at::kFloat;
}

// How sgemm reads an operand of `rows` x `cols`: as stored ('N'), or as the transpose of what is
// stored ('T'), with the leading dimension of the stored matrix.
struct Operand {
  at::Tensor tensor;  // keeps a copy alive where one was needed
  char trans = 'N';
  int64_t ld = 1;
};

Operand operand(const at::Tensor& t) {
  const int64_t rows = t.size(0), cols = t.size(1);
  if (t.stride(1) == 1 && (rows <= 1 || t.stride(0) >= cols)) {
    return {t, 'N', std::max<int64_t>({1, cols, rows <= 1 ? cols : t.stride(0)})};
  }
  if (t.stride(0) == 1 && (cols <= 1 || t.stride(1) >= rows)) {
    return {t, 'T', std::max<int64_t>({1, rows, cols <= 1 ? rows : t.stride(1)})};
  }
  const auto c = t.contiguous();
  return {c, 'N', std::max<int64_t>(1, cols)};
}

void sgemm(at::Tensor& out, const at::Tensor& a, const at::Tensor& b, float beta) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == 0.0f) out.zero_();
    return;
  }
  const Operand oa = operand(a), ob = operand(b);
  const auto status = dnnl_sgemm(oa.trans, ob.trans, m, n, k, 1.0f, oa.tensor.data_ptr<float>(),
                                 oa.ld, ob.tensor.data_ptr<float>(), ob.ld, beta,
                                 out.data_ptr<float>(), std::max<int64_t>(1, n));
  if (status != dnnl_success) {
    throw Error("oneDNN's sgemm failed (status " + std::to_string(static_cast<int>(status)) +
                ") on a [" + std::to_string(m) + ", " + std::to_string(k) + "] x [" +
                std::to_string(k) + ", " + std::to_string(n) + "] product");
  }
}
#endif

}  // namespace

bool available() {
#ifdef SY_HAVE_ONEDNN
  return true;
#else
  return false;
#endif
}

bool enabled() {
  return available() && onednn_switch().on();
}

void set_enabled(bool on) {
  onednn_switch().set(on);
}

at::Tensor product(const at::Tensor& a, const at::Tensor& b) {
#ifdef SY_HAVE_ONEDNN
  if (takes(a, b)) {
    auto out = at::empty({a.size(0), b.size(1)}, a.options());
    sgemm(out, a, b, 0.0f);
    return out;
  }
#endif
  return at::mm(a, b);
}

void add_product(at::Tensor& out, const at::Tensor& a, const at::Tensor& b) {
#ifdef SY_HAVE_ONEDNN
  if (takes(a, b) && out.dim() == 2 && out.size(0) == a.size(0) && out.size(1) == b.size(1) &&
      out.is_contiguous() && out.device().is_cpu() && out.scalar_type() == at::kFloat) {
    sgemm(out, a, b, 1.0f);
    return;
  }
#endif
  out.addmm_(a, b);
}

}  // namespace sy::gemm
