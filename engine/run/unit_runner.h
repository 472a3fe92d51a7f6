// Runs one unit of a plan (switchyard-engine unit DIR ID): its runs, or its expert, written as a
// bundle into DIR/units/ID and sealed when everything succeeded.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "engine/run/plan.h"
#include "engine/run/run_observer.h"

namespace sy {

// `also` sees the unit's runs too (the terminal). Units it waits for must be complete. Returns
// the runs (none for an expert unit); a cancelled run leaves the bundle unsealed. Only the
// `writer` writes the bundle: the other data-parallel ranks of the unit train alongside it.
std::vector<RunProgress> run_unit(const Plan& plan, const std::string& dir, int64_t id,
                                  RunObserver& also, const std::atomic<bool>* cancel,
                                  bool writer = true);

}  // namespace sy
