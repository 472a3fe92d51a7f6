// Test helper shared by the store, CLI and GUI suites: a run stored through the Store API with a
// clock of the test's own, so that its times are exact without waiting: two stages of 60 s, a
// pause of three days, then `extend`'s third stage of 30 s. Its duration is 150 s, not the three
// days that finished_at - started_at would give.
#pragma once

#include <cstdint>
#include <string>

#include "storage/store.h"

namespace sy::test {

constexpr int64_t kExtendedRunStart = 1'800'000'000'000;  // unix ms, 2027
constexpr int64_t kExtendedRunPause = 3LL * 24 * 3600 * 1000;
constexpr int64_t kExtendedRunDurationMs = 150'000;

// Stores the run in `store` (its clock is left at the extension's end, then set back to the
// system's) and returns its id. `stop_in_extension`: the extension's stage is begun and the
// run is then marked with that status 20 s into it (Running: left running, the clock at that
// point); Finished (default) runs it to the end.
inline int64_t store_extended_run(store::Store& store,
                                  store::RunStatus stop_in_extension = store::RunStatus::Finished) {
  int64_t now = kExtendedRunStart;
  store.set_clock([&now] { return now; });
  store::NewRun run;
  run.experiment_id = store.create_experiment("extended", "{}");
  run.strategy = "seq-lora";
  const int64_t id = store.create_run(run);
  store.set_run_tasks(id, {{"reverse", "exact"}, {"count", "exact"}});
  store.set_run_status(id, store::RunStatus::Running);
  for (int stage = 1; stage <= 2; ++stage) {
    store.begin_stage(id, stage);
    now += 60'000;
    store.finish_stage(id, stage);
  }
  store.set_run_status(id, store::RunStatus::Finished);
  now += kExtendedRunPause;  // days later: "Add a task…"
  store.set_run_tasks(id, {{"reverse", "exact"}, {"count", "exact"}, {"spell", "exact"}});
  store.set_run_status(id, store::RunStatus::Running);
  now += 5'000;  // loading the model, the new task's base score
  store.begin_stage(id, 3);
  if (stop_in_extension == store::RunStatus::Finished) {
    now += 30'000;
    store.finish_stage(id, 3);
    now += 1'000;
    store.set_run_status(id, store::RunStatus::Finished);
  } else {
    now += 20'000;
    if (stop_in_extension != store::RunStatus::Running) store.set_run_status(id, stop_in_extension);
  }
  store.set_clock(nullptr);
  return id;
}

}  // namespace sy::test
