// Shared CLI helpers.
#include "app/cli_common.h"

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

#include <pthread.h>

#include "engine/util/device.h"
#include "engine/util/progress.h"

namespace sy {
namespace {
std::atomic<bool> g_cancel{false};
// Set once a command asks for the flag (as training starts); before that, and in commands that
// never ask, a signal ends the process the default way.
std::atomic<bool> g_watched{false};

// The signal's default action, now: the disposition back to the default, and the signal sent to
// this thread again with nothing blocking it. signal() and raise() are async-signal-safe.
void end_by_default(int sig) {
  std::signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  raise(sig);
}

// The handler, also called by watch_signals for the signals it takes.
extern "C" void on_signal(int sig) {
  if (g_watched.load()) {
    g_cancel.store(true);
  } else {
    end_by_default(sig);
  }
}

// Waits for SIGINT / SIGTERM, which every other thread of ours blocks.
void watch_signals(sigset_t signals) {
  for (;;) {
    int received = 0;
    if (sigwait(&signals, &received) == 0) on_signal(received);
  }
}
}  // namespace

const std::set<std::string> kTrainOptionNames = {
    "steps",    "batch-size", "grad-accum",    "lr",   "weight-decay",
    "schedule", "warmup",     "max-grad-norm", "seed", "precision"};

TrainOptions train_options_from_args(const CliArgs& args, TrainOptions o) {
  o.steps = args.integer("steps", o.steps);
  o.batch_size = args.integer("batch-size", o.batch_size);
  o.grad_accum = args.integer("grad-accum", o.grad_accum);
  o.lr = args.number("lr", o.lr);
  o.weight_decay = args.number("weight-decay", o.weight_decay);
  o.schedule = parse_lr_schedule(args.str("schedule", lr_schedule_name(o.schedule)), "--schedule");
  o.warmup_steps = args.integer("warmup", o.warmup_steps);
  o.max_grad_norm = args.number("max-grad-norm", o.max_grad_norm);
  o.seed = static_cast<uint64_t>(args.integer("seed", static_cast<int64_t>(o.seed)));
  o.precision = parse_precision(args.str("precision", precision_name(o.precision)), "--precision");
  require_precision_on(o.precision, pick_device(args.str("device", "auto")), "--precision");
  return o;
}

WeightsDtype weights_dtype_from_args(const CliArgs& args) {
  return parse_weights_dtype(args.str("weights-dtype", "auto"), "option --weights-dtype");
}

StepCallback progress_printer(const std::string& what, double every_s) {
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [what, every_s, last](const TrainStep& s) {
    const auto now = std::chrono::steady_clock::now();
    if (s.step != s.total_steps && s.step != 1 &&
        std::chrono::duration<double>(now - *last).count() < every_s) {
      return;
    }
    *last = now;
    std::cerr << format_progress_line(what.c_str(), s.step, s.total_steps, s.loss, s.lr,
                                      s.tokens_per_s, s.elapsed_s, s.eta_s)
              << std::endl;
  };
}

void watch_for_cancel() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Threads made from now on (OpenMP's, LibTorch's) inherit the mask; one made earlier by a
  // library still runs the handler, which is as harmless on an idle thread.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::thread(watch_signals, signals).detach();
}

const std::atomic<bool>& cancel_flag() {
  g_watched.store(true);
  return g_cancel;
}

}  // namespace sy
