// `switchyard-engine watch DIR`: follows a plan as its units run (by hand or under Slurm): each
// unit's state from its bundle (complete, running with its last step, waiting) and from Slurm's
// squeue (queued, running, or gone without a bundle: failed or cancelled); --events passes the
// bundles' event streams on to stdout as they grow, so the app draws a plan's runs live as it
// draws a local run; --import stores the plan once every unit is complete.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/cli_common.h"
#include "app/commands.h"
#include "app/run_reporting.h"
#include "app/slurm_script.h"
#include "engine/run/bundle.h"
#include "engine/run/plan.h"
#include "engine/run/plan_import.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace fs = std::filesystem;

namespace sy {
namespace {

// What Slurm says of the plan's jobs, by unit id (as submit.sh recorded them in slurm/jobs.tsv).
struct SlurmView {
  bool available = false;
  std::map<int64_t, std::string> state;  // unit -> "PENDING (reason)", "RUNNING", ...
  std::map<int64_t, bool> submitted;
  std::map<int64_t, std::string> job;  // unit -> its latest job id
};

std::string run_command(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// How an ended job ended, from Slurm's accounting (sacct), where the cluster keeps one: "FAILED",
// "CANCELLED by 1000", "TIMEOUT", "OUT_OF_MEMORY"... Empty without accounting.
std::string ended_state(const std::string& job) {
  std::istringstream lines(run_command("sacct -n -X -P -o JobID,State -j " + job + " 2>/dev/null"));
  for (std::string line; std::getline(lines, line);) {
    const size_t bar = line.find('|');
    if (bar != std::string::npos && line.substr(0, bar) == job) return line.substr(bar + 1);
  }
  return "";
}

SlurmView slurm_view(const Plan& plan, const std::string& dir) {
  SlurmView view;
  std::map<std::string, int64_t> unit_of_job;
  std::ifstream jobs(fs::path(dir) / "slurm" / "jobs.tsv");
  std::string unit, job;
  while (jobs >> unit >> job) {
    if (unit == "import") continue;
    unit_of_job[job] = std::stoll(unit);
    view.submitted[std::stoll(unit)] = true;
    view.job[std::stoll(unit)] = job;
  }
  if (unit_of_job.empty() || run_command("command -v squeue").empty()) return view;
  view.available = true;
  std::istringstream lines(
      run_command("squeue -h -r --name=" + slurm_job_name(plan.id) + " -o '%i %T %r' 2>/dev/null"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string id, state, reason;
    words >> id >> state;
    std::getline(words >> std::ws, reason);
    auto it = unit_of_job.find(id);
    if (it == unit_of_job.end()) continue;
    view.state[it->second] = state == "PENDING" ? "queued (" + reason + ")" : state;
  }
  return view;
}

// The last training step an unfinished unit reported, from its events.jsonl.
std::string last_step(const std::string& unit_dir) {
  std::ifstream in(fs::path(unit_dir) / "events.jsonl");
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find("\"train_step\"") != std::string::npos) last = line;
  }
  if (last.empty()) return "";
  try {
    const auto parsed = try_parse_json(last);
    if (!parsed) return "";
    const nlohmann::json& e = *parsed;
    return e.value("label", e.value("key", "")) + " step " +
           std::to_string(e.at("step").get<int64_t>()) + "/" +
           std::to_string(e.at("steps").get<int64_t>());
  } catch (const nlohmann::json::exception&) {
    return "";
  }
}

// Passes the events the units appended since the last call on to stdout, whole lines only.
class EventRelay {
 public:
  void relay(const Plan& plan, const std::string& dir) {
    for (const PlanUnit& u : plan.units) {
      const fs::path file = fs::path(unit_dir(dir, u.id)) / "events.jsonl";
      std::ifstream in(file, std::ios::binary);
      if (!in) continue;
      auto& offset = offsets_[u.id];
      in.seekg(0, std::ios::end);
      const std::streamoff size = in.tellg();
      if (size < offset) offset = 0;  // the unit started again: a fresh bundle
      in.seekg(offset);
      std::string line;
      while (std::getline(in, line) && !in.eof()) {
        std::cout << line << '\n';
        offset += static_cast<std::streamoff>(line.size()) + 1;
      }
    }
    std::cout.flush();
  }

 private:
  std::map<int64_t, std::streamoff> offsets_;
};

}  // namespace

int command_watch(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"once", "events", "import", "cancel-jobs"});
  args.check({"interval", "db"});
  if (args.positional().size() != 1) {
    throw Error(
        "give the plan folder: switchyard-engine watch DIR [--once] [--events] "
        "[--import [--db FILE]]");
  }
  if (args.has("db") && !args.flag("import")) throw Error("--db goes with --import");
  const std::string dir = args.positional()[0];
  const double interval = args.number("interval", 2.0);
  if (!(interval > 0 && interval <= 3600)) throw Error("--interval must be 0 to 3600 seconds");
  const Plan plan = read_plan(dir);
  // The table goes to stderr when stdout carries events.
  std::ostream& table = args.flag("events") ? std::cerr : std::cout;
  const std::atomic<bool>& cancel = cancel_flag();
  EventRelay relay;
  std::string shown;
  for (;;) {
    if (args.flag("events")) relay.relay(plan, dir);
    const SlurmView slurm = slurm_view(plan, dir);
    std::ostringstream text;
    size_t complete = 0, active = 0;  // active: queued or running under Slurm
    std::vector<int64_t> lost;
    for (const PlanUnit& u : plan.units) {
      const std::string udir = unit_dir(dir, u.id);
      std::string state;
      if (bundle_complete(udir)) {
        state = "complete";
        ++complete;
      } else if (slurm.state.count(u.id)) {
        state = slurm.state.at(u.id);
        // Waiting for a unit that failed, or held after its launch failed: it never runs.
        if (state.find("DependencyNeverSatisfied") != std::string::npos ||
            state.find("held") != std::string::npos) {
          lost.push_back(u.id);
        } else {
          ++active;
        }
        if (state == "RUNNING") {
          const std::string step = last_step(udir);
          if (!step.empty()) state += ": " + step;
        }
      } else if (slurm.available && slurm.submitted.count(u.id)) {
        const std::string how = ended_state(slurm.job.at(u.id));
        state = "ended without a bundle (" + (how.empty() ? "failed or cancelled" : how) +
                ": see " + dir + "/slurm/unit-" + std::to_string(u.id) + ".out)";
        lost.push_back(u.id);
      } else if (fs::exists(fs::path(udir) / "events.jsonl")) {
        const std::string step = last_step(udir);
        state = "started" + (step.empty() ? "" : ": " + step);
      } else {
        state = "waiting";
      }
      text << "  unit " << u.id << "  " << u.title << "  " << state << "\n";
    }
    const std::string header = "plan " + plan.id + ": " + std::to_string(complete) + " of " +
                               std::to_string(plan.units.size()) + " units complete\n";
    if (header + text.str() != shown) {
      shown = header + text.str();
      table << shown << std::flush;
    }
    if (complete == plan.units.size()) {
      if (args.flag("events")) relay.relay(plan, dir);
      if (args.flag("import")) {
        store::Store store = open_run_store(args);
        const ImportOutcome outcome = import_plan(plan, dir, store);
        table << (outcome.already ? "already imported" : "imported") << " as experiment "
              << outcome.experiment_id << " in " << store.path() << "\n";
      }
      return 0;
    }
    // Units that ended without a bundle fail the plan once nothing else can still finish.
    if (!lost.empty() && (args.flag("once") || active == 0)) {
      std::string ids;
      for (int64_t id : lost) ids += " " + std::to_string(id);
      throw Error("unit" + std::string(lost.size() > 1 ? "s" : "") + ids + " of plan " + plan.id +
                  " ended, or can never start, without a complete bundle; run " + dir +
                  "/submit.sh again to resubmit the units not finished");
    }
    if (args.flag("once")) return 0;
    for (double waited = 0; waited < interval && !cancel.load(); waited += 0.1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (cancel.load()) {
      // --cancel-jobs: stopping the watch stops the plan (the app's Cancel on a Slurm job).
      if (args.flag("cancel-jobs")) {
        run_command("scancel --name=" + slurm_job_name(plan.id) + " 2>/dev/null");
        table << "cancelled the Slurm jobs of plan " << plan.id
              << " (scancel --name=" << slurm_job_name(plan.id) << "); " << dir
              << "/submit.sh submits the units not finished again\n";
      }
      return 130;
    }
  }
}

}  // namespace sy
