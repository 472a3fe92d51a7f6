// The terminal tables and the --summary document.
#include "app/run_report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/cl/strategy_traits.h"
#include "engine/run/runner.h"
#include "storage/run_format.h"

namespace sy {

using store::format_percent;

nlohmann::json summary_json(const Experiment& experiment, const std::vector<RunProgress>& runs) {
  nlohmann::json out = {{"experiment", experiment.name}, {"runs", nlohmann::json::array()}};
  for (const auto& r : runs) {
    nlohmann::json confusion = nullptr;
    const StrategyTraits* traits = find_strategy_traits(r.strategy);  // null: a plan's expert unit
    if (traits != nullptr && traits->uses_switch) confusion = r.router_confusion;
    out["runs"].push_back({{"run_id", r.key},
                           {"strategy", r.strategy},
                           {"label", r.label},
                           {"seed", r.seed},
                           {"status", store::run_status_name(r.status)},
                           {"seconds", r.seconds},
                           {"tasks", r.tasks},
                           {"score_matrix", r.score_matrix},
                           {"summary", nlohmann::json::parse(store::run_summary_json(r.summary))},
                           {"router_confusion", confusion}});
  }
  return out;
}

std::string format_run(const RunProgress& run) {
  std::ostringstream out;
  out << run.key << " (" << store::run_status_name(run.status) << ", "
      << static_cast<int>(run.seconds) << " s)\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "  %-16s", "after stage");
  out << buf;
  for (const auto& t : run.tasks) {
    std::snprintf(buf, sizeof buf, "%12.12s", t.c_str());
    out << buf;
  }
  out << "\n";
  const StrategyTraits* traits = find_strategy_traits(run.strategy);  // null: a plan's expert unit
  const bool joint = traits != nullptr && traits->stages == StageRule::One;
  for (size_t i = 0; i < run.score_matrix.size(); ++i) {
    const std::string label =
        i == 0 ? "0 (base)"
               : std::to_string(i) + (joint ? " (all)" : " (" + run.tasks[i - 1] + ")");
    std::snprintf(buf, sizeof buf, "  %-16.16s", label.c_str());
    out << buf;
    for (double v : run.score_matrix[i]) {
      if (std::isnan(v)) {
        std::snprintf(buf, sizeof buf, "%12s", "-");  // not evaluated (a task added later)
      } else {
        std::snprintf(buf, sizeof buf, "%12.1f", 100.0 * v);
      }
      out << buf;
    }
    out << "\n";
  }
  return out.str();
}

std::string format_comparison(const std::vector<RunProgress>& runs) {
  std::ostringstream out;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-22s %6s %8s %8s %8s %8s %8s %8s\n", "run", "seed", "AP", "F*",
                "BWT", "FWT", "router", "time s");
  out << buf;
  for (const auto& r : runs) {
    std::snprintf(buf, sizeof buf, "%-22.22s %6llu %8s %8s %8s %8s %8s %8.0f\n", r.label.c_str(),
                  static_cast<unsigned long long>(r.seed), format_percent(r.summary.ap).c_str(),
                  format_percent(r.summary.forgetting).c_str(),
                  format_percent(r.summary.bwt, true).c_str(),
                  format_percent(r.summary.fwt, true).c_str(),
                  format_percent(r.summary.router_accuracy).c_str(), r.seconds);
    out << buf;
  }
  out << "(scores in %; F* = forgetting, the drop from the best score since the task was "
         "learned)\n";
  return out.str();
}

}  // namespace sy
