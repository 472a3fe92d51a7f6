// The shared parts of run, resume and extend.
#include "app/run_reporting.h"

#include <iostream>

#include "app/cli_common.h"
#include "app/run_report.h"
#include "engine/util/error.h"

namespace sy {

void TerminalPrinter::train_step(const RunProgress& run, size_t, const std::string& what,
                                 const TrainStep& s) {
  if (printer_for_ != run.key + what) {
    printer_for_ = run.key + what;
    printer_ =
        progress_printer("[" + run.label + " seed " + std::to_string(run.seed) + "] " + what);
  }
  printer_(s);
}

void TerminalPrinter::warning(const RunProgress&, size_t, const RunWarning& warning) {
  std::cerr << "warning: " << warning.message << std::endl;
}

void TerminalPrinter::row_evaluated(const RunProgress& run, size_t row) {
  std::cerr << "[" << run.label << " seed " << run.seed << "] after stage " << row << ":";
  for (size_t j = 0; j < run.tasks.size(); ++j) {
    std::cerr << " " << run.tasks[j] << " "
              << static_cast<int>(100 * run.score_matrix[row][j] + 0.5) << "%";
  }
  std::cerr << std::endl;
}

void TerminalPrinter::run_ended(const RunProgress& run) {
  if (run.status == store::RunStatus::Failed) return;  // main() prints the error
  tables_ << format_run(run) << std::endl;
}

store::Store open_run_store(const CliArgs& args) {
  store::Store store = store::Store::open(args.str("db", store::default_db_path()));
  store.mark_interrupted_runs();
  return store;
}

RunReporting::RunReporting(bool events, store::Store* store, RunOrigin origin,
                           int64_t experiment_id)
    : tables_(events ? std::cerr : std::cout), printer_(tables_), stream_(std::cout) {
  std::vector<RunObserver*> observers;
  if (store) {
    recorder_ = std::make_unique<RunRecorder>(*store, std::move(origin), experiment_id);
    observers.push_back(recorder_.get());
  }
  observers.push_back(&printer_);
  if (events) observers.push_back(&stream_);
  list_ = std::make_unique<ObserverList>(observers);
}

ResumePoint stored_resume_point(store::Store& store, int64_t run_id, const store::RunData& data) {
  const std::string run_text = "run " + std::to_string(run_id) + " in " + store.path();
  ResumePoint from;
  from.db_id = run_id;
  from.stages_done = static_cast<size_t>(store.last_finished_stage(run_id));
  if (from.stages_done == 0) return from;  // nothing to keep: it starts again
  auto checkpoint = store.get_checkpoint(run_id);
  if (!checkpoint || checkpoint->stage != static_cast<int>(from.stages_done)) {
    throw Error(run_text + " has no checkpoint of stage " + std::to_string(from.stages_done) +
                "; it cannot be continued");
  }
  from.checkpoint = std::move(checkpoint->state);
  std::vector<std::vector<double>> scores = store::score_matrix(data);
  if (scores.size() < from.stages_done + 1) {
    throw Error(run_text + " lacks score rows of its finished stages; it cannot be continued");
  }
  scores.resize(from.stages_done + 1);
  from.score_matrix = std::move(scores);
  for (const auto& c : data.confusions) {
    if (c.after_stage >= 1 && c.after_stage <= static_cast<int>(from.stages_done)) {
      from.router_confusion.push_back(c.counts);
    }
  }
  return from;
}

int run_exit_code(const std::vector<RunProgress>& runs) {
  return !runs.empty() && runs.back().status == store::RunStatus::Cancelled ? 130 : 0;
}

}  // namespace sy
