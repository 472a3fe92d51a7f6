// The Slurm submission script of a plan (`switchyard-engine plan --slurm` writes DIR/submit.sh):
// the units that wait for nothing as one job array, every other unit as a job that starts
// `afterok` the units it waits for, and a last job that imports (or, without a database, checks)
// the bundles. Run again, the script submits only the units whose bundle is not complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sy {

struct SlurmOptions {
  std::string partition;      // empty: the cluster's default
  std::string time;           // a time limit per unit, in sbatch's forms ("30", "2:00:00")
  int64_t cpus_per_unit = 0;  // 0: the cluster's default
  int64_t gpus_per_unit = 0;
  std::string engine;  // the switchyard-engine every node runs (an absolute path)
  std::string db;      // the store the last job imports into; empty: it only checks
  std::string extra;   // more sbatch options, passed as they are (e.g. "--account=x")
  // Data-parallel processes per unit: more than 1 starts each unit as `srun` tasks (c10d ranks,
  // docs/engine-cli.md#data-parallel-training); cpus and gpus are then per rank.
  int64_t ranks_per_unit = 1;
};

struct SlurmUnit {
  int64_t id = 0;
  std::vector<int64_t> after;
};

// The job name every job of the plan gets: "sy-" and the plan id.
std::string slurm_job_name(const std::string& plan_id);

std::string slurm_submit_script(const std::string& plan_id, const std::string& title,
                                const std::string& plan_dir, const std::vector<SlurmUnit>& units,
                                const SlurmOptions& options);

}  // namespace sy
