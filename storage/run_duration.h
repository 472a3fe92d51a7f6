// How long a run took: the one definition behind `switchyard-engine list` and `show` and the
// GUI's run list. Torch- and Qt-free, like the rest of storage/.
#pragma once

#include <cstdint>
#include <optional>

#include "storage/records.h"

namespace sy::store {

// The time the run spent working, in milliseconds: the sum of its stages' spans (each stage's
// training and evaluation, from Store::begin_stage to finish_stage), a stage under way counting
// until `now_ms` and one that a failed or cancelled run left open until the run ended. The days
// between a run and a later `extend` (or `resume`) are not in it, as finished_at - started_at
// would have them. Before its first stage a run counts from its start until now or its end.
// nullopt for a run that never started, and for an interrupted one (its last stage's end is
// unknown).
std::optional<int64_t> run_duration_ms(const RunRecord& run, int64_t now_ms);

}  // namespace sy::store
