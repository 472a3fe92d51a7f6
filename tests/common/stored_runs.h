// Test helper shared by the suites: what a store holds of each run that training produced (scores,
// router matrices, adapter and checkpoint checksums, training curves, summary), keyed by
// "label/seed<seed>", so that two stores can be compared run by run (a local run against a plan's
// imported bundles, by hand or through Slurm).
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "storage/sha256.h"
#include "storage/store.h"

namespace sy::test {

// Everything stored of one run that training produced (not its timestamps or process).
struct StoredRun {
  std::string strategy, status, summary;
  std::vector<std::vector<double>> scores;
  std::vector<std::vector<std::vector<int64_t>>> confusions;
  std::vector<std::string> adapters;  // sha256 by position
  std::vector<std::tuple<int, int64_t, double, double>> points;
  std::string checkpoint;  // sha256 of the last checkpoint
  int stages = 0;
};

inline std::map<std::string, StoredRun> stored_runs(const std::string& db) {
  store::Store s = store::Store::open(db);
  std::map<std::string, StoredRun> out;
  for (const auto& record : s.list_runs()) {
    const store::RunData data = s.load_run(record.id);
    StoredRun r;
    r.strategy = record.strategy;
    r.status = store::run_status_name(record.status);
    r.summary = data.summary_json;
    r.scores = data.score_matrix;
    for (const auto& c : data.confusions) r.confusions.push_back(c.counts);
    for (const auto& a : data.adapters) r.adapters.push_back(a.sha256);
    for (const auto& p : s.load_train_points(record.id)) {
      r.points.emplace_back(p.stage, p.step, p.loss, p.lr);
    }
    if (auto c = s.get_checkpoint(record.id)) {
      r.checkpoint = store::sha256_hex(c->state.data(), c->state.size());
    }
    r.stages = record.last_finished_stage;
    out[record.label + "/seed" + std::to_string(record.seed)] = r;
  }
  return out;
}

}  // namespace sy::test
