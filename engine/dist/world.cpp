// The ranks of a data-parallel job over LibTorch's c10d: rank 0 serves a TCPStore that every rank
// meets at, a Gloo process group (and an NCCL one for CUDA tensors in builds that have it) sums
// tensors, and both carry the job's timeout so that a dead or silent rank ends the others with an
// error instead of a hang. engine/CMakeLists.txt says which headers it found (SY_HAVE_*_HEADERS);
// LibTorch's USE_C10D_* say which process groups the library itself holds.
#include "engine/dist/world.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <thread>

#include <sched.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/cuda.h>

#if defined(SY_HAVE_GLOO_HEADERS) && defined(USE_C10D_GLOO)
#define SY_GLOO 1
#endif
#if defined(SY_GLOO) && defined(SY_HAVE_NCCL_HEADERS) && defined(USE_C10D_NCCL)
#define SY_NCCL 1
#endif

#ifdef SY_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef SY_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "engine/util/device.h"
#include "engine/util/error.h"

namespace sy::dist {
namespace {

constexpr double kDefaultTimeoutS = 60;
constexpr int kDefaultPort = 29500;  // torchrun's
// Elements per flat all-reduce buffer (64 MiB of FP32): few calls, bounded extra memory.
constexpr int64_t kBucketElements = int64_t(16) << 20;

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

// A whole number in [low, high] from environment variable `name`.
int env_int(const char* name, int low, int high, const std::string& expected) {
  const char* text = env(name);
  if (!text) {
    throw Error("environment variable " + std::string(name) + " is not set; expected " + expected);
  }
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || errno == ERANGE || value < low || value > high) {
    throw Error("environment variable " + std::string(name) + " is \"" + text + "\"; expected " +
                expected);
  }
  return static_cast<int>(value);
}

int env_int_or(const char* name, int fallback, int low, int high, const std::string& expected) {
  return env(name) ? env_int(name, low, high, expected) : fallback;
}

// The CPUs this process may run on (a Slurm or taskset binding), else the machine's.
int usable_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return std::max(1u, std::thread::hardware_concurrency());
}

std::chrono::milliseconds timeout_from_env() {
  double seconds = kDefaultTimeoutS;
  if (const char* text = env("SWITCHYARD_DIST_TIMEOUT_S")) {
    char* end = nullptr;
    seconds = std::strtod(text, &end);
    if (*end != '\0' || !(seconds > 0) || seconds > 1e7) {
      throw Error("environment variable SWITCHYARD_DIST_TIMEOUT_S is \"" + std::string(text) +
                  "\"; expected a number of seconds above 0");
    }
  }
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

std::string seconds_text(std::chrono::milliseconds timeout) {
  const double s = double(timeout.count()) / 1000;
  char text[32];
  std::snprintf(text, sizeof text, "%g s", s);
  return text;
}

// The first line of a c10d message, without LibTorch's backtrace.
std::string first_line(const std::string& message) {
  std::string line = message.substr(0, message.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

std::string message_of(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) {
    return first_line(c10->what_without_backtrace());
  }
  return first_line(e.what());
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace

Placement placement_from_env() {
  Placement p;
  const bool torchrun = env("RANK") || env("WORLD_SIZE");
  const bool slurm = !torchrun && env("SLURM_PROCID") && env("SLURM_NTASKS") &&
                     (env("SLURM_STEP_ID") || env("SLURM_STEPID"));
  if (!torchrun && !slurm) return p;
  const std::string ranks = "a whole number of ranks, 1 or more";
  if (torchrun) {
    p.source = "torchrun";
    p.world_size = env_int("WORLD_SIZE", 1, INT_MAX, ranks);
    const std::string below =
        "a whole number from 0 to WORLD_SIZE - 1 (" + std::to_string(p.world_size - 1) + ")";
    p.rank = env_int("RANK", 0, p.world_size - 1, below);
    p.local_world_size = env_int_or("LOCAL_WORLD_SIZE", p.world_size, 1, p.world_size,
                                    "a whole number from 1 to WORLD_SIZE");
    p.local_rank = env_int_or("LOCAL_RANK", p.rank % p.local_world_size, 0, p.local_world_size - 1,
                              "a whole number from 0 to LOCAL_WORLD_SIZE - 1");
  } else {
    p.source = "slurm";
    p.world_size = env_int("SLURM_NTASKS", 1, INT_MAX, ranks);
    p.rank =
        env_int("SLURM_PROCID", 0, p.world_size - 1, "a whole number from 0 to SLURM_NTASKS - 1");
    const int nodes =
        env_int_or("SLURM_NNODES", 1, 1, INT_MAX, "a whole number of nodes, 1 or more");
    // SLURM_STEP_TASKS_PER_NODE reads like "2(x3),1": the first node's count is a fair guess
    // for a node's share; it only sets the thread count.
    int per_node = nodes == 1 ? p.world_size : 0;
    if (const char* spread = env("SLURM_NTASKS_PER_NODE")) per_node = std::atoi(spread);
    if (per_node <= 0) {
      if (const char* spread = env("SLURM_STEP_TASKS_PER_NODE")) per_node = std::atoi(spread);
    }
    p.local_world_size = std::clamp(per_node, 1, p.world_size);
    p.local_rank = env_int_or("SLURM_LOCALID", 0, 0, INT_MAX, "a whole number from 0");
    if (!env("MASTER_ADDR") && nodes > 1 && p.world_size > 1) {
      throw Error("environment variable MASTER_ADDR is not set; an srun job over " +
                  std::to_string(nodes) +
                  " nodes needs MASTER_ADDR (the first node's host name) and MASTER_PORT "
                  "exported (docs/engine-cli.md, data-parallel training)");
    }
  }
  p.master_addr = env("MASTER_ADDR") ? env("MASTER_ADDR") : "127.0.0.1";
  // Two srun jobs on one node must not meet at the same port: the job id picks one.
  int port = kDefaultPort;
  if (slurm && env("SLURM_JOB_ID")) port = 15000 + std::atoi(env("SLURM_JOB_ID")) % 20000;
  p.master_port = env_int_or("MASTER_PORT", port, 1, 65535, "a TCP port from 1 to 65535");
  p.timeout = timeout_from_env();
  // Each rank takes its share of the CPUs, so N ranks on N cores do not oversubscribe them.
  const int cpus = usable_cpus();
  p.threads = std::max(1, cpus / p.local_world_size);
  if (slurm && env("SLURM_CPUS_PER_TASK")) {
    p.threads = std::clamp(std::atoi(env("SLURM_CPUS_PER_TASK")), 1, cpus);
  }
  return p;
}

// ------------------------------------------------------------------------------------- World

struct World::Group {
#ifdef SY_GLOO
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#endif
#ifdef SY_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
};

World::World() = default;

World::World(const Placement& placement) : placement_(placement) {
  if (placement_.world_size <= 1) return;
  const std::string who = "data-parallel rank " + std::to_string(placement_.rank) + " of " +
                          std::to_string(placement_.world_size);
  const std::string where = placement_.master_addr + ":" + std::to_string(placement_.master_port);
  const std::string within = seconds_text(placement_.timeout);
#ifdef SY_GLOO
  group_ = std::make_unique<Group>();
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(placement_.master_port);
    options.isServer = placement_.rank == 0;
    options.numWorkers = static_cast<size_t>(placement_.world_size);
    options.waitWorkers = true;  // rank 0 waits, within the timeout, for every rank to come
    options.timeout = placement_.timeout;
    group_->store = c10::make_intrusive<c10d::TCPStore>(placement_.master_addr, options);
  } catch (const std::exception& e) {
    throw Error(who + ": " +
                (placement_.rank == 0 ? "not every rank came to this rank's store at "
                                      : "could not meet rank 0 at ") +
                where + " within " + within + " (SWITCHYARD_DIST_TIMEOUT_S): " + message_of(e));
  }
  try {
    auto options = c10d::ProcessGroupGloo::Options::create(placement_.timeout);
    if (const char* iface = env("GLOO_SOCKET_IFNAME")) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
    } else if (is_loopback(placement_.master_addr)) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    group_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gloo", group_->store), placement_.rank,
        placement_.world_size, options);
#ifdef SY_NCCL
    // Without asynchronous error handling a dead peer leaves NCCL waiting for ever; LibTorch
    // 1.13 reads the first name, 2.x the second, each when the group is made.
    setenv("NCCL_ASYNC_ERROR_HANDLING", "1", 0);
    setenv("TORCH_NCCL_ASYNC_ERROR_HANDLING", "1", 0);
    auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
    nccl_options->timeout = placement_.timeout;
    group_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(
        c10::make_intrusive<c10d::PrefixStore>("nccl", group_->store), placement_.rank,
        placement_.world_size, nccl_options);
#endif
  } catch (const std::exception& e) {
    throw Error(who + ": could not connect to the other ranks through " + where + " within " +
                within + " (SWITCHYARD_DIST_TIMEOUT_S): " + message_of(e));
  }
#else
  throw Error(who +
              ": this build of switchyard-engine has no c10d Gloo backend (its headers, "
              "Debian's libgloo-dev, were missing when it was built); it runs one process only");
#endif
}

World::~World() = default;

void World::allreduce_sum(std::vector<at::Tensor>& tensors) {
  if (placement_.world_size <= 1 || tensors.empty()) return;
#ifdef SY_GLOO
  size_t first = 0;
  while (first < tensors.size()) {
    // One bucket: consecutive tensors of one dtype and device, up to kBucketElements.
    size_t last = first;
    int64_t elements = 0;
    while (last < tensors.size() && tensors[last].scalar_type() == tensors[first].scalar_type() &&
           tensors[last].device() == tensors[first].device() &&
           (last == first || elements + tensors[last].numel() <= kBucketElements)) {
      elements += tensors[last].numel();
      ++last;
    }
    // A lone contiguous tensor is reduced where it is; others are packed and copied back.
    const bool in_place = last == first + 1 && tensors[first].is_contiguous();
    std::vector<at::Tensor> flat(1);
    if (in_place) {
      flat[0] = tensors[first];
    } else {
      std::vector<at::Tensor> parts;
      for (size_t i = first; i < last; ++i) parts.push_back(tensors[i].reshape({-1}));
      flat[0] = at::cat(parts);
    }
    try {
#ifdef SY_NCCL
      const bool on_gpu = flat[0].is_cuda();
      auto work = on_gpu ? group_->nccl->allreduce(flat) : group_->gloo->allreduce(flat);
#else
      auto work = group_->gloo->allreduce(flat);
#endif
      work->wait(placement_.timeout);
    } catch (const std::exception& e) {
      throw Error("data-parallel rank " + std::to_string(placement_.rank) + " of " +
                  std::to_string(placement_.world_size) +
                  ": the all-reduce with the other ranks failed; a rank has ended (see its "
                  "error) or did not answer within " +
                  seconds_text(placement_.timeout) +
                  " (SWITCHYARD_DIST_TIMEOUT_S): " + message_of(e));
    }
    int64_t offset = 0;
    for (size_t i = first; i < last && !in_place; ++i) {
      const int64_t n = tensors[i].numel();
      tensors[i].copy_(flat[0].narrow(0, offset, n).view(tensors[i].sizes()));
      offset += n;
    }
    first = last;
  }
#endif
}

// ------------------------------------------------------------------------------ the process's

namespace {
// Never destroyed: ranks end at different moments, and Gloo's threads and rank 0's store are
// better closed by the process's exit than joined while a peer may still be talking.
World* g_world = nullptr;
}  // namespace

World& world() {
  static World lone;
  return g_world ? *g_world : lone;
}

World& init_world() {
  if (!g_world) {
    const Placement placement = placement_from_env();
    if (!placement.source.empty()) {
      at::set_num_threads(placement.threads);
      // Each rank on a machine takes its own GPU ("auto" and "cuda" mean it), as NCCL needs.
      const int gpus = static_cast<int>(torch::cuda::device_count());
      if (gpus > 0) set_default_cuda_index(placement.local_rank % gpus);
    }
    g_world = new World(placement);
  }
  return *g_world;
}

}  // namespace sy::dist
