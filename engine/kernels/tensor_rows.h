// The layout the engine's hand-written CPU kernels read: rows (the last dimension) contiguous,
// any strides above them, so that views such as a head's slice of a projection need no copy.
#pragma once

#include <ATen/core/Tensor.h>

namespace sy {

// `t` itself where its rows are contiguous, else a contiguous copy.
inline at::Tensor with_contiguous_rows(const at::Tensor& t) {
  return t.stride(-1) == 1 ? t : t.contiguous();
}

}  // namespace sy
