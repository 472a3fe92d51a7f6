// The --nproc launcher: posix_spawn of /proc/self/exe per rank, one loop that forwards the other
// ranks' stderr, the signals it receives and the ranks' ends. It holds no c10d state: the ranks
// meet each other at rank 0's TCPStore (world.cpp) as under torchrun.
#include "engine/dist/launcher.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/util/error.h"

extern char** environ;

namespace sy::dist {
namespace {

constexpr int kMaxRanks = 1024;
constexpr auto kGrace = std::chrono::seconds(5);  // SIGTERM, then SIGKILL

// A TCP port free on 127.0.0.1 now, for rank 0's store. Another process could take it before
// rank 0 binds it; the chance is small and the failure an error, not a hang.
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(std::string("--nproc: cannot open a socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) throw Error("--nproc: cannot find a free TCP port on 127.0.0.1 for the ranks to meet");
  return ntohs(addr.sin_port);
}

struct Rank {
  pid_t pid = -1;
  int err = -1;         // read end of its stderr pipe (ranks above 0), -1 once closed
  std::string pending;  // a partial line read from it
  bool running = false;
  int code = 0;  // exit code, or 128 + signal
  int signal = 0;
};

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Forwards what rank r wrote to stderr, whole lines with its prefix; at end of file, the rest.
void drain(Rank& rank, int r) {
  char buffer[4096];
  const ssize_t n = read(rank.err, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n > 0) rank.pending.append(buffer, static_cast<size_t>(n));
  const std::string prefix = "rank " + std::to_string(r) + ": ";
  for (size_t end; (end = rank.pending.find('\n')) != std::string::npos;) {
    write_all(STDERR_FILENO, prefix + rank.pending.substr(0, end + 1));
    rank.pending.erase(0, end + 1);
  }
  if (n <= 0) {
    if (!rank.pending.empty()) write_all(STDERR_FILENO, prefix + rank.pending + "\n");
    rank.pending.clear();
    close(rank.err);
    rank.err = -1;
  }
}

std::vector<std::string> rank_environment(int rank, int ranks, int port) {
  const char* ours[] = {"RANK=",        "WORLD_SIZE=",  "LOCAL_RANK=", "LOCAL_WORLD_SIZE=",
                        "MASTER_ADDR=", "MASTER_PORT=", "GROUP_RANK="};
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const bool replaced = std::any_of(std::begin(ours), std::end(ours), [&](const char* name) {
      return std::strncmp(*e, name, std::strlen(name)) == 0;
    });
    if (!replaced) env.emplace_back(*e);
  }
  const std::string r = std::to_string(rank), n = std::to_string(ranks);
  for (std::string v : {"RANK=" + r, "WORLD_SIZE=" + n, "LOCAL_RANK=" + r, "LOCAL_WORLD_SIZE=" + n,
                        std::string("GROUP_RANK=0"), std::string("MASTER_ADDR=127.0.0.1"),
                        "MASTER_PORT=" + std::to_string(port)}) {
    env.push_back(std::move(v));
  }
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string describe_end(const Rank& rank) {
  if (rank.signal) {
    return "was killed by signal " + std::to_string(rank.signal) + " (" + strsignal(rank.signal) +
           ")";
  }
  return "exited with code " + std::to_string(rank.code);
}

int launch(int argc, char** argv, int ranks) {
  const int port = free_port();
  sigset_t taken, previous;
  sigemptyset(&taken);
  sigaddset(&taken, SIGINT);
  sigaddset(&taken, SIGTERM);
  sigaddset(&taken, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &taken, &previous);

  std::vector<std::string> args(argv, argv + argc);
  auto arg_ptrs = pointers(args);
  std::vector<Rank> all(static_cast<size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    Rank& rank = all[static_cast<size_t>(r)];
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    int pipe_fds[2] = {-1, -1};
    if (r > 0) {
      // Other ranks print nothing on stdout; their stderr (problems only) comes here.
      if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw Error(std::string("--nproc: cannot make a pipe: ") + std::strerror(errno));
      }
      posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
      posix_spawn_file_actions_adddup2(&files, pipe_fds[1], STDERR_FILENO);
    }
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGCHLD);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    auto env = rank_environment(r, ranks, port);
    auto env_ptrs = pointers(env);
    const int failed =
        posix_spawn(&rank.pid, "/proc/self/exe", &files, &attr, arg_ptrs.data(), env_ptrs.data());
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
    if (pipe_fds[1] >= 0) close(pipe_fds[1]);
    if (failed) {
      if (pipe_fds[0] >= 0) close(pipe_fds[0]);
      for (auto& started : all) {
        if (started.running) kill(started.pid, SIGKILL);
      }
      throw Error("--nproc: cannot start rank " + std::to_string(r) + ": " + std::strerror(failed));
    }
    rank.running = true;
    rank.err = pipe_fds[0];
  }

  // The signals arrive through a descriptor, so that poll wakes at once when a rank ends.
  const int signals = signalfd(-1, &taken, SFD_CLOEXEC | SFD_NONBLOCK);
  int first_failure = -1;
  bool signalled = false;  // a SIGINT / SIGTERM was passed on: the ranks end as they choose
  bool killed = false;
  std::chrono::steady_clock::time_point kill_at;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<int> owners;
    if (signals >= 0) {
      fds.push_back({signals, POLLIN, 0});
      owners.push_back(-1);
    }
    for (int r = 0; r < ranks; ++r) {
      if (all[static_cast<size_t>(r)].err >= 0) {
        fds.push_back({all[static_cast<size_t>(r)].err, POLLIN, 0});
        owners.push_back(r);
      }
    }
    const bool any_running =
        std::any_of(all.begin(), all.end(), [](const Rank& rank) { return rank.running; });
    if (!any_running && fds.size() == (signals >= 0 ? 1u : 0u)) break;
    if (poll(fds.data(), fds.size(), 100) > 0) {
      for (size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].revents && owners[i] >= 0) {
          drain(all[static_cast<size_t>(owners[i])], owners[i]);
        }
      }
    }
    std::vector<int> received;
    if (signals >= 0) {
      signalfd_siginfo info;
      while (read(signals, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        received.push_back(static_cast<int>(info.ssi_signo));
      }
    } else {
      const timespec now_only{0, 0};
      for (int sig; (sig = sigtimedwait(&taken, nullptr, &now_only)) > 0;) received.push_back(sig);
    }
    for (int sig : received) {
      if (sig == SIGCHLD) continue;
      signalled = true;
      for (auto& rank : all) {
        if (rank.running) kill(rank.pid, sig);
      }
    }
    // Ranks that ended since the last pass. When several failed at once, one killed by a signal
    // is the likelier cause (the others then fail to reach it), else the lowest rank.
    int status = 0, failed_now = -1;
    for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) {
      for (int r = 0; r < ranks; ++r) {
        Rank& rank = all[static_cast<size_t>(r)];
        if (rank.pid != pid) continue;
        rank.running = false;
        if (WIFSIGNALED(status)) {
          rank.signal = WTERMSIG(status);
          rank.code = 128 + rank.signal;
        } else {
          rank.code = WEXITSTATUS(status);
        }
        if (rank.code == 0) continue;
        if (failed_now < 0 || (rank.signal && !all[static_cast<size_t>(failed_now)].signal) ||
            (!rank.signal == !all[static_cast<size_t>(failed_now)].signal && r < failed_now)) {
          failed_now = r;
        }
      }
    }
    if (failed_now >= 0 && first_failure < 0 && !signalled) {
      // One rank failed: the others cannot finish without it.
      first_failure = failed_now;
      for (auto& other : all) {
        if (other.running) kill(other.pid, SIGTERM);
      }
      kill_at = std::chrono::steady_clock::now() + kGrace;
    }
    if (first_failure >= 0 && !killed && std::chrono::steady_clock::now() >= kill_at) {
      killed = true;
      for (auto& rank : all) {
        if (rank.running) kill(rank.pid, SIGKILL);
      }
    }
  }
  if (signals >= 0) close(signals);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);

  if (first_failure >= 0) {
    const Rank& failed = all[static_cast<size_t>(first_failure)];
    write_all(STDERR_FILENO, "error: rank " + std::to_string(first_failure) + " of " +
                                 std::to_string(ranks) + " " + describe_end(failed) +
                                 "; the other ranks were stopped\n");
    return failed.code;
  }
  for (const auto& rank : all) {
    if (rank.code != 0) return all[0].code != 0 ? all[0].code : rank.code;
  }
  return 0;
}

}  // namespace

std::optional<int> run_ranks_if_asked(int& argc, char** argv,
                                      const std::set<std::string>& commands) {
  int at = -1, width = 0;
  std::string value;
  for (int i = 2; i < argc && at < 0; ++i) {
    const std::string arg = argv[i];
    if (arg == "--nproc") {
      if (i + 1 >= argc) throw Error("option --nproc needs a value");
      at = i, width = 2, value = argv[i + 1];
    } else if (arg.rfind("--nproc=", 0) == 0) {
      at = i, width = 1, value = arg.substr(8);
    }
  }
  if (at < 0) return std::nullopt;
  const std::string command = argc > 1 ? argv[1] : "";
  if (!commands.count(command)) {
    std::string list;
    for (const auto& c : commands) list += (list.empty() ? "" : ", ") + c;
    throw Error("option --nproc is for the commands that train (" + list + "); `" + command +
                "` runs in one process");
  }
  char* end = nullptr;
  errno = 0;
  const long ranks = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno == ERANGE || ranks < 1 || ranks > kMaxRanks) {
    throw Error("option --nproc is \"" + value + "\"; expected a number of processes from 1 to " +
                std::to_string(kMaxRanks));
  }
  if (std::getenv("RANK") || std::getenv("WORLD_SIZE")) {
    throw Error(
        "option --nproc starts ranks of its own, but RANK or WORLD_SIZE is already set "
        "(a job started by torchrun or by hand); give one or the other");
  }
  for (int i = at; i + width <= argc; ++i) argv[i] = argv[i + width];
  argc -= width;
  if (ranks == 1) return std::nullopt;
  return launch(argc, argv, static_cast<int>(ranks));
}

}  // namespace sy::dist
