// Data-parallel training: where this process stands among the ranks of one job (from torchrun's or
// Slurm's environment, or the --nproc launcher's), and the sum of tensors over all ranks through
// LibTorch's c10d (Gloo over a TCPStore on CPUs, NCCL for CUDA tensors where the build has it).
// The transport is c10d's; nothing here speaks to a socket itself.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace sy::dist {

// Where this process stands, as its environment says.
struct Placement {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;        // among the ranks on this machine
  int local_world_size = 1;  // the ranks on this machine
  std::string master_addr;   // the host of rank 0's TCPStore
  int master_port = 0;
  int threads = 0;  // intra-op threads for this rank: the CPUs it may use / local_world_size
  std::chrono::milliseconds timeout{60000};  // SWITCHYARD_DIST_TIMEOUT_S
  std::string source;  // "torchrun" (RANK, WORLD_SIZE, ...), "slurm" (srun) or "" (one process)
};

// RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT (torchrun, --nproc);
// without RANK, inside an srun step, SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NNODES;
// else one process. A bad value is a sy::Error naming the variable and what was expected.
Placement placement_from_env();

// The ranks of this job. One process: size 1, and sums are the identity.
class World {
 public:
  World();                                     // one process
  explicit World(const Placement& placement);  // connects to the other ranks; sy::Error on failure
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return placement_.rank; }
  int size() const { return placement_.world_size; }
  bool is_primary() const { return placement_.rank == 0; }
  const Placement& placement() const { return placement_; }

  // Sums each tensor over all ranks, in place; every rank calls it with tensors of the same
  // shapes, dtypes and order. Tensors are packed into few flat buffers, one all-reduce each.
  // A rank that has died or does not answer within the timeout is a sy::Error.
  void allreduce_sum(std::vector<at::Tensor>& tensors);

 private:
  struct Group;
  Placement placement_;
  std::unique_ptr<Group> group_;
};

// The process's world: one process until init_world() has run.
World& world();
// Reads the environment, connects to the other ranks when there are several, and gives each
// rank its share of the CPUs (Placement::threads); once per process, before training. Commands
// that train (train, run, unit) call it; later calls return the same world.
World& init_world();

// Whether this process writes: rank 0 of a job, or a lone process. Other ranks train alongside
// it but write no store, events, files or tables.
inline bool is_primary() {
  return world().is_primary();
}

}  // namespace sy::dist
