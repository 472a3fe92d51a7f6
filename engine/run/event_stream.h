// The engine's live event protocol: one JSON object per line for everything that happens in a
// run (docs/events.md), written to stdout by `switchyard-engine run --events` for the GUI. Every
// line is flushed at once, so a reader sees each event as it happens, and a killed engine never
// leaves half a line behind an event it already reported.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/run/eta_estimator.h"
#include "engine/run/run_observer.h"

namespace sy {

class EventStream : public RunObserver {
 public:
  explicit EventStream(std::ostream& out);

  // Every "type" this stream writes, in the order docs/events.md lists them.
  static const std::vector<std::string>& types();

  void experiment_started(const Experiment& experiment, const WorkPlan& plan) override;
  void run_started(RunProgress& run, const StrategySpec& spec, size_t first_stage) override;
  void stage_started(const RunProgress& run, size_t stage) override;
  void train_step(const RunProgress& run, size_t stage, const std::string& what,
                  const TrainStep& step) override;
  void warning(const RunProgress& run, size_t stage, const RunWarning& warning) override;
  void row_evaluated(const RunProgress& run, size_t row) override;
  void router_evaluated(const RunProgress& run, size_t after_stage) override;
  void adapter_trained(const RunProgress& run, size_t position,
                       const TrainedAdapter& adapter) override;
  void stage_finished(const RunProgress& run, size_t stage,
                      const std::vector<uint8_t>& checkpoint) override;
  void run_ended(const RunProgress& run) override;
  void experiment_ended() override;

 private:
  void emit(const std::string& type, const RunProgress* run, nlohmann::json fields);
  void progress(const RunProgress& run, size_t stage, const TrainStep& step, bool force);
  double seconds_now() const;  // on start_'s clock

  std::ostream& out_;
  std::string experiment_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_progress_{};
  EtaEstimator eta_;
};

}  // namespace sy
