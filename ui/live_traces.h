// LiveTraces: what the window knows of the runs in progress, without widgets — each live run's
// trace grown event by event (docs/events.md), ids for a Slurm plan's runs that are not stored
// yet, which run is shown (a live one or one read from the store) and whether a run that starts
// takes the view over. The window routes the queue's events here and draws what it says.
#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>

#include <cstdint>
#include <optional>

#include "ui/run_trace.h"

namespace sy::ui {

class LiveTraces {
 public:
  // What one event did, for the window to react to.
  struct Update {
    int64_t run = 0;             // negative: a run of a Slurm plan, not stored yet
    QString type;                // the event's type
    bool shown = false;          // the event's run is the shown one (after the event)
    bool shown_changed = false;  // its run_started took the view over
    bool ended = false;          // run_finished, run_cancelled or run_failed: no longer live
  };

  // Folds an event into its run's trace. nullopt for an event of no run (experiment_started).
  std::optional<Update> apply(const QJsonObject& event);

  bool isLive(int64_t run) const { return live_.contains(run); }
  // A resumed or extended run continues `stored` (trace_from_store): called before its
  // run_started, its events grow that trace instead of an empty one.
  void continueFrom(int64_t run, RunTrace stored) { live_.insert(run, std::move(stored)); }
  // A live run's trace as grown so far; nullptr when the run is not live.
  const RunTrace* live(int64_t run) const;
  int liveCount() const { return int(live_.size()); }

  // The shown run (0: none) and its trace: the live one while it runs, else the one given to
  // show() (or the live one as it ended).
  int64_t shown() const { return shown_; }
  const RunTrace& shownTrace() const;
  // Shows `run`: its own trace while it is live, else `stored` (read by the caller).
  void show(int64_t run, RunTrace stored = {});

  // Whether each run that starts is shown (after Run; a user's pick in the run list ends it).
  bool following() const { return following_; }
  void setFollowing(bool on) { following_ = on; }

  // Forgets everything (another database).
  void clear();

 private:
  QMap<int64_t, RunTrace> live_;          // runs whose engine is running, by run id
  QMap<QString, int64_t> unstored_runs_;  // a Slurm plan's run keys -> their negative ids
  int64_t shown_ = 0;
  bool following_ = true;
  RunTrace trace_;  // the shown run unless it is live
};

}  // namespace sy::ui
