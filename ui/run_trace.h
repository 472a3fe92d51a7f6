// One run as the GUI draws it: its identity, task sequence, training curve, score matrix, router
// matrices and summary. Built from the database for a finished run (trace_from_store) or grown
// event by event while the engine runs (apply_event, docs/events.md); both give the same picture.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include <cstdint>
#include <optional>

#include "storage/records.h"

namespace sy::ui {

struct TracePoint {
  int stage = 0;
  int64_t step = 0;  // 1-based within the stage
  double loss = 0;
  double lr = 0;
  double tokens_per_s = 0;
  // When the step was taken, unix ms (the store's train_points.at, the train_step event's
  // time_ms); 0: not known (points stored before schema version 6).
  int64_t at_ms = 0;
};

struct RunSummary {
  std::optional<double> ap, forgetting, bwt, fwt, router_accuracy;  // fractions
};

struct RunTrace {
  int64_t id = 0;  // the run's id in the database; 0 while unknown
  QString key;     // EXPERIMENT/LABEL/seedN
  QString experiment, strategy, label;
  uint64_t seed = 0;
  bool quick = false;  // a quick check (its stored settings say "quick"): a few steps per stage
  QString status;      // created, running, finished, failed, cancelled, interrupted
  QString reason;
  QStringList tasks;
  int stages = 0;              // planned
  int stages_finished = 0;     // the last finished stage
  QVector<TracePoint> points;  // ordered by (stage, step)
  // R[after_stage][position], NaN where not (yet) evaluated; rows 0..last evaluated.
  QVector<QVector<double>> scores;
  // counts[true][predicted] over the tasks seen so far, by after_stage.
  QMap<int, QVector<QVector<int64_t>>> confusions;
  RunSummary summary;
  // Live progress (events only): overall fraction and seconds left, when known.
  double progress = 0;
  std::optional<double> eta_s;
  double tokens_per_s = 0;
};

// Whether a run's stored settings (runs.config) are those of a quick check: their "quick".
bool is_quick_config(const std::string& config_json);

// A finished (or any stored) run: load_run's data plus its training points.
RunTrace trace_from_store(const store::RunData& data, const std::vector<store::TrainPoint>& points);

// Folds one engine event of this trace's run into it (the caller routes events by their "run"
// field). Events without a run (experiment_started/finished) and unknown types change nothing.
// run_started sets the identity and keeps the measurements already held (a resumed run continues
// the picture trace_from_store gave); a stage_started drops what an interrupted attempt left of
// that stage and later ones, as the store's begin_stage does. adapter_saved changes nothing.
// Returns true when the trace changed.
// Stage and task positions in an event beyond this are damage, not a run: a trace never grows
// a table that large (a sequence of 100 tasks is far inside it).
constexpr int kMaxTraceTasks = 4096;
bool apply_event(RunTrace& trace, const QJsonObject& event);

// One line of the engine's stdout as an event: nullopt for a line that is not one whole JSON
// object (a killed engine can leave half a line), which the reader skips.
std::optional<QJsonObject> event_from_line(const QByteArray& line);

}  // namespace sy::ui
