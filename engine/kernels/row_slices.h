// Walking a tensor's first dimension in slices of a bounded size: how loading a checkpoint,
// drawing random half-precision weights and widening them for a product keep the temporary copy
// of a large weight (the vocabulary table: 1.5 GB in FP32 for BLOOM-1.1B) small.
#pragma once

#include <algorithm>
#include <cstdint>

namespace sy {

// Calls fn(first, count) over rows [0, rows) in consecutive slices of at most `slice_bytes`
// bytes, rows being `row_bytes` each (a slice holds one row at least).
template <typename Fn>
void for_each_row_slice(int64_t rows, int64_t row_bytes, int64_t slice_bytes, Fn&& fn) {
  const int64_t step = std::max<int64_t>(1, slice_bytes / std::max<int64_t>(1, row_bytes));
  for (int64_t first = 0; first < rows; first += step) fn(first, std::min(step, rows - first));
}

}  // namespace sy
