// The continual-learning metrics of a run, read off its score matrix R (docs/metrics.md): R[i][j]
// is the score on task j after stage i, row 0 the base model before any training. They are what the
// experiment compares strategies by, so their definitions live in exactly one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sy {

// T + 1 rows (row 0: base model, row i: after stage i) of T scores in [0, 1]; column c holds
// task c + 1 of the sequence.
using ScoreMatrix = std::vector<std::vector<double>>;

// A mean over zero terms (T = 1 for forgetting, BWT and FWT) is undefined: std::nullopt.
struct ClMetrics {
  int64_t tasks = 0;                 // T
  double ap = 0.0;                   // average performance after the last stage
  std::optional<double> forgetting;  // F, "best since learned" reading
  std::optional<double> bwt;         // backward transfer
  std::optional<double> fwt;         // forward transfer
};

// Throws sy::Error naming the row (and column) when R is not (T + 1) x T with T >= 1, a row is
// ragged, or a score is not a number in [0, 1]. The only cells that may be NaN (not evaluated)
// are those no metric reads: R[i][j] with 1 <= i <= j - 2, a task's scores long before it was
// learned (a task added to a finished run has none there).
void check_score_matrix(const ScoreMatrix& r);

// AP, F, BWT and FWT of R (checked first).
ClMetrics cl_metrics(const ScoreMatrix& r);

// A score matrix from JSON (an array of rows, each an array of numbers); `source` names the file
// in errors. Checked with check_score_matrix.
ScoreMatrix score_matrix_from_json(const nlohmann::json& value, const std::string& source);

// {"ap", "forgetting", "bwt", "fwt", "tasks"}, null where undefined.
nlohmann::json cl_metrics_to_json(const ClMetrics& metrics);

}  // namespace sy
