// What `run`, `resume` and `extend` share: the terminal printer, opening the store, and the
// observers a run reports to (store recorder, terminal, and --events on stdout).
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/cli_args.h"
#include "engine/run/event_stream.h"
#include "engine/run/run_recorder.h"
#include "engine/run/runner.h"
#include "engine/train/trainer.h"
#include "storage/store.h"

namespace sy {

// Progress lines on stderr, one score-matrix row per evaluation, each finished run's table on
// `tables` (stdout, or stderr when stdout carries events).
class TerminalPrinter : public RunObserver {
 public:
  explicit TerminalPrinter(std::ostream& tables) : tables_(tables) {}
  void train_step(const RunProgress& run, size_t stage, const std::string& what,
                  const TrainStep& s) override;
  void warning(const RunProgress& run, size_t stage, const RunWarning& warning) override;
  void row_evaluated(const RunProgress& run, size_t row) override;
  void run_ended(const RunProgress& run) override;

 private:
  std::ostream& tables_;
  StepCallback printer_;
  std::string printer_for_;
};

// Opens --db (or the default store) and marks the runs of dead engines as interrupted.
store::Store open_run_store(const CliArgs& args);

// The observers of one command: the recorder (when there is a store) first, so that what an
// event announces is already stored; then the terminal; then the event stream with --events.
class RunReporting {
 public:
  RunReporting(bool events, store::Store* store, RunOrigin origin, int64_t experiment_id = 0);
  RunObserver& observer() { return *list_; }
  std::ostream& tables() { return tables_; }

 private:
  std::ostream& tables_;
  TerminalPrinter printer_;
  EventStream stream_;
  std::unique_ptr<RunRecorder> recorder_;
  std::unique_ptr<ObserverList> list_;
};

// Where stored run RUN stands, for resume and extend: its finished stages' rows and router
// matrices and the checkpoint of the last of them.
ResumePoint stored_resume_point(store::Store& store, int64_t run_id, const store::RunData& data);

// 130 when the last run was cancelled, else 0.
int run_exit_code(const std::vector<RunProgress>& runs);

}  // namespace sy
