// LiveTraces: routing events to their run's trace, and what follows for the shown run.
#include "ui/live_traces.h"

namespace sy::ui {

std::optional<LiveTraces::Update> LiveTraces::apply(const QJsonObject& event) {
  Update update;
  update.type = event.value(QLatin1String("type")).toString();
  const QJsonValue run = event.value(QLatin1String("run"));
  const QJsonValue key = event.value(QLatin1String("key"));
  if (!run.isUndefined() && !run.isNull()) {
    update.run = run.toInteger();
  } else if (key.isString()) {  // a run of a Slurm plan, not stored yet
    auto id = unstored_runs_.constFind(key.toString());
    if (id == unstored_runs_.cend())
      id = unstored_runs_.insert(key.toString(), -1 - unstored_runs_.size());
    update.run = *id;
  } else {
    return std::nullopt;
  }
  RunTrace& trace = live_[update.run];
  apply_event(trace, event);
  if (update.type == QLatin1String("run_started") && following_ && shown_ != update.run) {
    shown_ = update.run;
    trace_ = RunTrace();  // shownTrace() is the live one; a share here would copy its points
    update.shown_changed = true;
  }
  update.shown = update.run == shown_;
  update.ended = update.type == QLatin1String("run_finished") ||
                 update.type == QLatin1String("run_cancelled") ||
                 update.type == QLatin1String("run_failed");
  if (update.ended) {
    if (update.shown) trace_ = trace;  // what shownTrace() gives from now on
    live_.remove(update.run);
  }
  return update;
}

const RunTrace* LiveTraces::live(int64_t run) const {
  const auto it = live_.constFind(run);
  return it != live_.cend() ? &*it : nullptr;
}

const RunTrace& LiveTraces::shownTrace() const {
  const RunTrace* trace = live(shown_);
  return trace != nullptr ? *trace : trace_;
}

void LiveTraces::show(int64_t run, RunTrace stored) {
  shown_ = run;
  trace_ = isLive(run) ? RunTrace() : std::move(stored);
}

void LiveTraces::clear() {
  live_.clear();
  unstored_runs_.clear();
  shown_ = 0;
  trace_ = RunTrace();
}

}  // namespace sy::ui
