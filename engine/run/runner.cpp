// The experiment runner. The frozen base model is loaded once and shared: LoRA strategies add
// adapters to it, full fine-tuning strategies train their own copies, per-task experts are
// trained once for oracle and switchcit together, and answers of fixed weights are cached.
#include "engine/run/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include <torch/utils.h>
#include <nlohmann/json.hpp>

#include "engine/cl/score_matrix.h"
#include "engine/cl/strategy.h"
#include "engine/cl/strategy_traits.h"
#include "engine/data/builtin_tasks.h"
#include "engine/data/jsonl_import.h"
#include "engine/generate/task_scoring.h"
#include "engine/model/adapter_io.h"
#include "engine/util/device.h"
#include "engine/util/error.h"

namespace sy {

std::vector<RunResult> run_experiment(const Experiment& experiment, const RunnerOptions& options,
                                      RunObserver& observer, const std::atomic<bool>* cancel) {
  Session session(experiment, options, observer, cancel);
  observer.experiment_started(experiment, session.planned_steps(experiment.strategies, 1));
  std::vector<RunResult> results;
  for (uint64_t seed : experiment.seeds) {
    for (const StrategySpec& spec : experiment.strategies) {
      results.push_back(session.run(spec, seed, nullptr));
      if (results.back().status == "cancelled") {
        observer.experiment_ended();
        return results;
      }
    }
  }
  observer.experiment_ended();
  return results;
}

namespace {

const StrategySpec& spec_labelled(const Experiment& experiment, const std::string& label) {
  auto spec = std::find_if(experiment.strategies.begin(), experiment.strategies.end(),
                           [&](const StrategySpec& s) { return s.label == label; });
  if (spec == experiment.strategies.end()) {
    throw Error(experiment.path + " has no strategy labelled \"" + label +
                "\"; was the experiment file changed since the run started?");
  }
  return *spec;
}

}  // namespace

struct ServedRun::Impl {
  Experiment experiment;
  RunObserver quiet;  // serving reports nothing
  Session session;
  std::string strategy_name;
  std::unique_ptr<Strategy> strategy;

  Impl(const Experiment& e, const RunnerOptions& options)
      : experiment(e), session(experiment, options, quiet, nullptr) {}
};

ServedRun::ServedRun(const Experiment& experiment, const RunnerOptions& options,
                     const std::string& label, uint64_t seed, const ResumePoint& from)
    : impl_(std::make_unique<Impl>(experiment, options)) {
  const StrategySpec& spec = spec_labelled(experiment, label);
  impl_->strategy_name = spec.name;
  impl_->strategy = impl_->session.restored(spec, seed, from);
}

ServedRun::~ServedRun() = default;

const std::string& ServedRun::strategy() const {
  return impl_->strategy_name;
}

std::vector<std::string> ServedRun::tasks() const {
  std::vector<std::string> names;
  for (const auto& t : impl_->session.tasks()) names.push_back(t.name);
  return names;
}

std::vector<size_t> ServedRun::task_adapters() const {
  return impl_->strategy->task_adapters();
}

bool ServedRun::has_router() const {
  return impl_->strategy->has_router();
}

Reply ServedRun::ask(const Example& request, std::optional<size_t> adapter,
                     int64_t max_new_tokens) {
  impl_->session.context().generation.max_new_tokens = max_new_tokens;
  return impl_->strategy->ask(request, adapter);
}

RunResult resume_run(const Experiment& experiment, const RunnerOptions& options,
                     const std::string& label, uint64_t seed, const ResumePoint& from,
                     RunObserver& observer, const std::atomic<bool>* cancel) {
  const StrategySpec& spec = spec_labelled(experiment, label);
  Experiment one = experiment;
  one.seeds = {seed};
  Session session(one, options, observer, cancel);
  observer.experiment_started(one, session.planned_steps({spec}, from.stages_done + 1));
  RunResult run = session.run(spec, seed, &from);
  observer.experiment_ended();
  return run;
}

namespace {
nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json run_summary_json(const RunResult& r) {
  return {{"ap", optional_json(r.ap)},
          {"forgetting", optional_json(r.forgetting)},
          {"bwt", optional_json(r.bwt)},
          {"fwt", optional_json(r.fwt)},
          {"router_accuracy", optional_json(r.router_accuracy)}};
}

nlohmann::json summary_json(const Experiment& experiment, const std::vector<RunResult>& runs) {
  nlohmann::json out = {{"experiment", experiment.name}, {"runs", nlohmann::json::array()}};
  for (const auto& r : runs) {
    nlohmann::json confusion = nullptr;
    if (strategy_traits(r.strategy).uses_switch) confusion = r.router_confusion;
    out["runs"].push_back({{"run_id", r.run_id},
                           {"strategy", r.strategy},
                           {"label", r.label},
                           {"seed", r.seed},
                           {"status", r.status},
                           {"seconds", r.seconds},
                           {"tasks", r.tasks},
                           {"score_matrix", r.score_matrix},
                           {"summary", run_summary_json(r)},
                           {"router_confusion", confusion}});
  }
  return out;
}

namespace {
std::string percent(const std::optional<double>& v, bool signed_value = false) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, signed_value ? "%+.1f" : "%.1f", 100.0 * *v);
  return buf;
}
}  // namespace

std::string format_run(const RunResult& run) {
  std::ostringstream out;
  out << run.run_id << " (" << run.status << ", " << static_cast<int>(run.seconds) << " s)\n";
  char buf[64];
  std::snprintf(buf, sizeof buf, "  %-16s", "after stage");
  out << buf;
  for (const auto& t : run.tasks) {
    std::snprintf(buf, sizeof buf, "%12.12s", t.c_str());
    out << buf;
  }
  out << "\n";
  for (size_t i = 0; i < run.score_matrix.size(); ++i) {
    const std::string label =
        i == 0 ? "0 (base)"
               : std::to_string(i) + (strategy_traits(run.strategy).stages == StageRule::One
                                          ? " (all)"
                                          : " (" + run.tasks[i - 1] + ")");
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

std::string format_comparison(const std::vector<RunResult>& runs) {
  std::ostringstream out;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-22s %6s %8s %8s %8s %8s %8s %8s\n", "run", "seed", "AP", "F*",
                "BWT", "FWT", "router", "time s");
  out << buf;
  for (const auto& r : runs) {
    std::snprintf(buf, sizeof buf, "%-22.22s %6llu %8s %8s %8s %8s %8s %8.0f\n", r.label.c_str(),
                  static_cast<unsigned long long>(r.seed), percent(r.ap).c_str(),
                  percent(r.forgetting).c_str(), percent(r.bwt, true).c_str(),
                  percent(r.fwt, true).c_str(), percent(r.router_accuracy).c_str(), r.seconds);
    out << buf;
  }
  out << "(scores in %; F* = forgetting, the drop from the best score since the task was "
         "learned)\n";
  return out.str();
}

}  // namespace sy
