// AP, forgetting, BWT and FWT exactly as docs/metrics.md defines them; a malformed matrix is
// refused with the row and column at fault, since a silently shifted row would give plausible
// wrong numbers.
#include "engine/cl/score_matrix.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {

namespace {

std::string describe(double v) {
  return std::isnan(v) ? "NaN" : nlohmann::json(v).dump();
}

// `where` prefixes the messages ("score matrix" or "FILE: score matrix").
void check(const ScoreMatrix& r, const std::string& where) {
  if (r.empty()) {
    throw Error(where +
                " has no rows; expected T + 1 rows (row 0 the base model, then one row "
                "per stage) of T scores, T >= 1.");
  }
  const size_t tasks = r.front().size();
  if (tasks == 0) {
    throw Error(where + " row 0 has no scores; expected one score per task, at least one task.");
  }
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i].size() != tasks) {
      throw Error(where + " row " + std::to_string(i) + " has " + std::to_string(r[i].size()) +
                  " scores; expected " + std::to_string(tasks) + " (one per task, as row 0 has).");
    }
    for (size_t j = 0; j < tasks; ++j) {
      const double v = r[i][j];
      // No metric reads task j+1's scores after stages 1..j-1 (before the stage just ahead of
      // learning it), so they may be missing: a task added to a finished run never had them.
      if (std::isnan(v) && i >= 1 && i < j) continue;
      if (!(v >= 0.0 && v <= 1.0)) {
        throw Error(where + " row " + std::to_string(i) + ", column " + std::to_string(j) +
                    " (task " + std::to_string(j + 1) + ") is " + describe(v) +
                    "; expected a score in [0, 1].");
      }
    }
  }
  if (r.size() != tasks + 1) {
    throw Error(where + " has " + std::to_string(r.size()) + " rows for " + std::to_string(tasks) +
                " tasks; expected " + std::to_string(tasks + 1) +
                " (row 0 the base model, then one row per stage).");
  }
}

}  // namespace

void check_score_matrix(const ScoreMatrix& r) {
  check(r, "score matrix");
}

// With tasks j = 1..T and R[i][j] the score on task j after stage i (R[i][j] is r[i][j - 1]):
//   AP  = 1/T     sum_{j=1..T}   R[T][j]
//   F   = 1/(T-1) sum_{j=1..T-1} max_{i in [j, T-1]} (R[i][j] - R[T][j])
//   BWT = 1/(T-1) sum_{j=1..T-1} (R[T][j] - R[j][j])
//   FWT = 1/(T-1) sum_{j=2..T}   (R[j-1][j] - R[0][j])
ClMetrics cl_metrics(const ScoreMatrix& r) {
  check_score_matrix(r);
  const size_t t = r.front().size();
  const auto R = [&](size_t stage, size_t task) { return r[stage][task - 1]; };
  ClMetrics m;
  m.tasks = static_cast<int64_t>(t);
  double sum = 0.0;
  for (size_t j = 1; j <= t; ++j) sum += R(t, j);
  m.ap = sum / static_cast<double>(t);
  if (t < 2) return m;
  const double terms = static_cast<double>(t - 1);
  double forgetting = 0.0;
  double bwt = 0.0;
  for (size_t j = 1; j <= t - 1; ++j) {
    double best = -std::numeric_limits<double>::infinity();
    for (size_t i = j; i <= t - 1; ++i) best = std::max(best, R(i, j) - R(t, j));
    forgetting += best;
    bwt += R(t, j) - R(j, j);
  }
  double fwt = 0.0;
  for (size_t j = 2; j <= t; ++j) fwt += R(j - 1, j) - R(0, j);
  m.forgetting = forgetting / terms;
  m.bwt = bwt / terms;
  m.fwt = fwt / terms;
  return m;
}

ScoreMatrix score_matrix_from_json(const nlohmann::json& value, const std::string& source) {
  const std::string where = source + ": score matrix";
  if (!value.is_array()) {
    throw Error(where +
                " is not a JSON array; expected an array of rows, each an array of "
                "scores in [0, 1].");
  }
  ScoreMatrix r;
  for (size_t i = 0; i < value.size(); ++i) {
    const nlohmann::json& row = value[i];
    if (!row.is_array()) {
      throw Error(where + " row " + std::to_string(i) +
                  " is not a JSON array; expected an array of scores in [0, 1].");
    }
    std::vector<double> scores;
    for (size_t j = 0; j < row.size(); ++j) {
      if (!row[j].is_number()) {
        throw Error(where + " row " + std::to_string(i) + ", column " + std::to_string(j) +
                    " (task " + std::to_string(j + 1) + ") is " + json_excerpt(row[j]) +
                    "; expected a score in [0, 1].");
      }
      scores.push_back(row[j].get<double>());
    }
    r.push_back(std::move(scores));
  }
  check(r, where);
  return r;
}

nlohmann::json cl_metrics_to_json(const ClMetrics& metrics) {
  const auto optional = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"ap", metrics.ap},
          {"forgetting", optional(metrics.forgetting)},
          {"bwt", optional(metrics.bwt)},
          {"fwt", optional(metrics.fwt)},
          {"tasks", metrics.tasks}};
}

}  // namespace sy
