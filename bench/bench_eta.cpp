// bench_eta: how honest the progress event's ETA is. Runs an experiment with the real engine
// (`switchyard-engine run --events --no-db`, by default the demo in quick mode), reads its
// events as they come, and at 10 %, 25 %, 50 % and 75 % of the planned steps compares the time
// left that the events predicted (`eta_s`) with the time the run then really took, beside what
// the former formula, elapsed / steps done x steps left, would have said from the same event.
// Usage: bench_eta [--engine PATH] [--experiment FILE | --full] [--repeat N] [--save FILE]
//        bench_eta --events FILE   (a run's saved events instead of a new run)
//
// Torch-free: the engine runs as its own process, as the GUI runs it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "bench/bench_text.h"

namespace {

using nlohmann::json;
using sy::bench::fixed;

constexpr double kPoints[] = {0.10, 0.25, 0.50, 0.75};

struct Reading {
  double point = 0;           // the fraction of planned steps it stands for
  int64_t steps_done = 0;     // at the progress event read
  double actual_left = 0;     // seconds from that event to experiment_finished
  std::optional<double> eta;  // the event's eta_s
  double old_eta = 0;         // elapsed / steps done x steps left, from the same event
};

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char ch : text) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// The events of one run, one JSON object per line.
std::vector<json> read_events(std::istream& in) {
  std::vector<json> events;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    events.push_back(json::parse(line));
  }
  return events;
}

// Runs the engine; returns its events, or an empty list (with its stderr printed) on failure.
std::vector<json> run_engine(const std::string& engine, const std::string& experiment, bool quick,
                             const std::string& save) {
  const std::string err = "/tmp/bench_eta_stderr." + std::to_string(::getpid());
  const std::string command = shell_quote(engine) + " run " +
                              (experiment.empty() ? "--demo" : shell_quote(experiment)) +
                              (quick ? " --quick" : "") + " --events --no-db 2>" + shell_quote(err);
  std::fflush(nullptr);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {};
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) text.append(buf, n);
  const int status = pclose(pipe);
  if (status != 0) {
    std::ifstream in(err);
    std::cerr << "error: " << command << " failed (status " << status << "):\n" << in.rdbuf();
    std::remove(err.c_str());
    return {};
  }
  std::remove(err.c_str());
  if (!save.empty()) std::ofstream(save) << text;
  std::istringstream in(text);
  return read_events(in);
}

// The readings at kPoints, or an empty list when the events hold no finished experiment.
std::vector<Reading> readings(const std::vector<json>& events) {
  std::optional<double> end_ms;
  for (const json& e : events) {
    if (e.value("type", "") == "experiment_finished") end_ms = e.at("time_ms").get<double>();
  }
  std::vector<Reading> out;
  if (!end_ms) return out;
  for (const double point : kPoints) {
    for (const json& e : events) {
      if (e.value("type", "") != "progress") continue;
      const auto done = e.at("steps_done").get<int64_t>();
      const auto planned = e.at("steps_planned").get<int64_t>();
      if (done <= 0 || static_cast<double>(done) < point * static_cast<double>(planned)) continue;
      Reading r;
      r.point = point;
      r.steps_done = done;
      r.actual_left = (*end_ms - e.at("time_ms").get<double>()) / 1000.0;
      if (e.at("eta_s").is_number()) r.eta = e.at("eta_s").get<double>();
      r.old_eta = e.at("elapsed_s").get<double>() / static_cast<double>(done) *
                  static_cast<double>(planned - done);
      out.push_back(r);
      break;
    }
  }
  return out;
}

double total_seconds(const std::vector<json>& events) {
  for (const json& e : events) {
    if (e.value("type", "") == "experiment_finished") return e.value("seconds", 0.0);
  }
  return 0;
}

std::string ratio(std::optional<double> predicted, double actual) {
  if (!predicted) return "-";
  return actual > 0 ? fixed(*predicted / actual, 2) : "-";
}

}  // namespace

int main(int argc, char** argv) {
  std::string engine = SY_ENGINE_BIN;
  std::string experiment, events_file, save;
  bool quick = true;
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--engine" && has_value) {
      engine = argv[++i];
    } else if (arg == "--experiment" && has_value) {
      experiment = argv[++i];
    } else if (arg == "--events" && has_value) {
      events_file = argv[++i];
    } else if (arg == "--save" && has_value) {
      save = argv[++i];
    } else if (arg == "--repeat" && has_value) {
      repeat = std::atoi(argv[++i]);
    } else if (arg == "--full") {
      quick = false;
    } else {
      std::cerr << "usage: bench_eta [--engine PATH] [--experiment FILE | --full] [--repeat N] "
                   "[--save FILE] | --events FILE\n";
      return 2;
    }
  }
  if (repeat < 1) {
    std::cerr << "error: --repeat must be 1 or more\n";
    return 2;
  }
  std::printf("bench_eta:");
  for (int i = 1; i < argc; ++i) std::printf(" %s", argv[i]);
  std::printf("\nCPU: %s\nload average at start: %s\n\n", sy::bench::cpu_model_name().c_str(),
              sy::bench::load_average().c_str());

  std::vector<std::vector<std::string>> rows = {{"run", "at", "steps done", "actual s left",
                                                 "ETA s", "ETA / actual", "former ETA s",
                                                 "former / actual"}};
  const int runs = events_file.empty() ? repeat : 1;
  for (int run = 1; run <= runs; ++run) {
    std::vector<json> events;
    if (!events_file.empty()) {
      std::ifstream in(events_file);
      if (!in) {
        std::cerr << "error: cannot read " << events_file << "\n";
        return 1;
      }
      events = read_events(in);
    } else {
      events = run_engine(engine, experiment, quick,
                          save.empty() ? ""
                          : runs > 1   ? save + "." + std::to_string(run)
                                       : save);
      if (events.empty()) return 1;
    }
    const auto rs = readings(events);
    if (rs.empty()) {
      std::cerr << "error: the events hold no experiment_finished or no progress\n";
      return 1;
    }
    for (const Reading& r : rs) {
      rows.push_back({std::to_string(run) + " (" + fixed(total_seconds(events), 0) + " s)",
                      fixed(100 * r.point, 0) + " %", std::to_string(r.steps_done),
                      fixed(r.actual_left, 1), r.eta ? fixed(*r.eta, 1) : "null",
                      ratio(r.eta, r.actual_left), fixed(r.old_eta, 1),
                      ratio(r.old_eta, r.actual_left)});
    }
  }
  sy::bench::print_table(rows);
  std::printf("load average at end: %s\n", sy::bench::load_average().c_str());
  return 0;
}
