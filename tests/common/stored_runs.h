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
    r.summary = data.run.summary_json;
    r.scores = store::score_matrix(data);
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

// The first way the runs in `got` differ from those in `want`, in words; "" when every run of
// `want` is in `got`, finished, with the same scores, router matrices, adapters, training curve,
// checkpoint, summary and finished stages.
inline std::string first_difference(const std::map<std::string, StoredRun>& want,
                                    const std::map<std::string, StoredRun>& got) {
  if (got.size() != want.size()) {
    return std::to_string(got.size()) + " runs instead of " + std::to_string(want.size());
  }
  for (const auto& [key, w] : want) {
    const auto it = got.find(key);
    if (it == got.end()) return key + " is missing";
    const StoredRun& g = it->second;
    if (g.status != "finished") return key + " is " + g.status;
    if (g.scores != w.scores) return key + ": the score matrices differ";
    if (g.confusions != w.confusions) return key + ": the router matrices differ";
    if (g.adapters != w.adapters) return key + ": the adapters differ";
    if (g.points != w.points) return key + ": the training curves differ";
    if (g.checkpoint != w.checkpoint) return key + ": the checkpoints differ";
    if (g.summary != w.summary) return key + ": the summaries differ";
    if (g.stages != w.stages) return key + ": the finished stages differ";
  }
  return "";
}

}  // namespace sy::test
