// Importing a plan's bundles into the store (switchyard-engine import DIR): every bundle checked
// first, then all runs stored in one transaction, in the order a local run stores them. A plan
// imported before is not stored again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/run/plan.h"
#include "engine/run/run_observer.h"
#include "storage/store.h"

namespace sy {

// Throws an Error naming every unit whose bundle is missing or partial (with the command that
// runs it), or the first damaged file.
void check_plan_bundles(const Plan& plan, const std::string& dir);

struct ImportOutcome {
  int64_t experiment_id = 0;
  bool already = false;  // the plan was imported before: nothing changed
  std::vector<RunProgress> runs;
};

ImportOutcome import_plan(const Plan& plan, const std::string& dir, store::Store& store);

}  // namespace sy
