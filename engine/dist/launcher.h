// `--nproc N`: one data-parallel job as N processes on this machine, as torchrun would start
// them. The launcher re-runs this executable N times with RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT set, passes rank 0's stdout and
// stderr through, prefixes the other ranks' stderr with "rank R: " (they print only problems),
// forwards SIGINT / SIGTERM to every rank, and stops the others when one fails.
#pragma once

#include <optional>
#include <set>
#include <string>

namespace sy::dist {

// Looks for `--nproc N` (or --nproc=N) among argv[2..]. None: nullopt, the command runs here.
// N = 1: the option is taken out of argc/argv and nullopt returned, so the command runs here
// alone. N > 1: starts the N ranks (argv without --nproc), waits for them and returns the exit
// code to end with: 0 when every rank succeeded, else that of the first rank that failed (128 +
// the signal for a killed one), after stopping the others (SIGTERM, then SIGKILL 5 s later)
// and printing an `error:` line naming it. `commands` are those that take --nproc (argv[1]); for
// another, --nproc is a sy::Error, as are a bad N and --nproc inside a job that already has
// ranks (RANK or WORLD_SIZE set). Called first thing in main(), before watch_for_cancel(), since
// it takes SIGINT and SIGTERM itself.
std::optional<int> run_ranks_if_asked(int& argc, char** argv,
                                      const std::set<std::string>& commands);

}  // namespace sy::dist
