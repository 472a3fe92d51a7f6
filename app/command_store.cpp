// `list`, `show`, `export`, `export-adapter`: read the experiment store without LibTorch, so they
// run anywhere the database file is (docs/engine-cli.md).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/store_report.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"
#include "storage/store.h"

namespace sy {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;  // keys in the order written, for readers
using sy::store::RunData;
using sy::store::RunRecord;
using sy::store::Store;
using sy::store::StoreError;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string db_path(const CliArgs& args) {
  if (!args.has("db")) return sy::store::default_db_path();
  return args.required("db");
}

// Store::open would create a missing file; a reader must not leave an empty database behind.
Store open_existing(const CliArgs& args) {
  const std::string path = db_path(args);
  std::error_code ec;
  if (!fs::exists(path, ec) && !ec) {
    if (args.has("db")) {
      throw Error(path + ": no such database; run an experiment with --db " + path + " first");
    }
    throw Error(path + ": no such database (the default one); run an experiment first, or " +
                "give another file with --db FILE");
  }
  Store store = Store::open(path);
  store.mark_interrupted_runs();  // runs of a killed engine show as interrupted
  return store;
}

RunRecord find_run(Store& store, int64_t id) {
  for (const RunRecord& r : store.list_runs()) {
    if (r.id == id) return r;
  }
  throw Error("no run " + std::to_string(id) + " in " + store.path() +
              "; `switchyard-engine list --db " + store.path() + "` lists the runs");
}

void no_extra_positionals(const CliArgs& args, size_t expected, const std::string& usage) {
  if (args.positional().size() < expected) throw Error("usage: switchyard-engine " + usage);
  if (args.positional().size() > expected) {
    throw Error("unexpected argument \"" + args.positional()[expected] +
                "\"; usage: switchyard-engine " + usage);
  }
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw Error("could not write " + path.string());
}

void make_folder(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec || !fs::is_directory(folder)) {
    throw Error("could not create the folder " + folder.string() +
                (ec ? ": " + ec.message() : std::string(": a file of that name is in the way")));
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

// The commands' bodies throw StoreError for database problems; main reports sy::Error as a user
// error (exit 1), so they are translated here.
template <typename Body>
int translating_store_errors(Body body) {
  try {
    return body();
  } catch (const StoreError& e) {
    throw Error(e.what());
  }
}

std::string scores_csv(const RunData& data) {
  std::string out = report::csv_line({"after_stage", "position", "task", "metric", "value"});
  for (const auto& s : data.scores) {
    const size_t p = static_cast<size_t>(s.position);
    out += report::csv_line({std::to_string(s.after_stage), std::to_string(s.position),
                             report::csv_field(p < data.tasks.size() ? data.tasks[p].name : ""),
                             report::csv_field(s.metric), report::csv_number(s.value)});
  }
  return out;
}

std::string train_csv(const std::vector<sy::store::TrainPoint>& points) {
  std::string out = report::csv_line({"stage", "step", "loss", "lr", "tokens_per_s"});
  for (const auto& p : points) {
    out += report::csv_line({std::to_string(p.stage), std::to_string(p.step),
                             report::csv_number(p.loss), report::csv_number(p.lr),
                             report::csv_number(p.tokens_per_s)});
  }
  return out;
}

std::string confusion_csv(const RunData& data) {
  std::string out = report::csv_line({"after_stage", "true_task", "predicted_task", "count"});
  for (const auto& c : data.confusions) {
    for (size_t i = 0; i < c.counts.size(); ++i) {
      for (size_t j = 0; j < c.counts[i].size(); ++j) {
        out += report::csv_line({std::to_string(c.after_stage),
                                 report::csv_field(i < c.labels.size() ? c.labels[i] : ""),
                                 report::csv_field(j < c.labels.size() ? c.labels[j] : ""),
                                 std::to_string(c.counts[i][j])});
      }
    }
  }
  return out;
}

std::string summary_csv(const RunData& data) {
  std::string out = report::csv_line({"metric", "value"});
  for (const auto& [name, value] :
       store::summary_metrics(store::parse_run_summary(data.run.summary_json))) {
    out += report::csv_line({name, value ? report::csv_number(*value) : ""});
  }
  return out;
}

// The task TASK names: its name in the run's sequence, or its 1-based position.
size_t task_position(const RunData& data, const std::string& task) {
  std::vector<size_t> named;
  for (size_t p = 0; p < data.tasks.size(); ++p) {
    if (data.tasks[p].name == task) named.push_back(p);
  }
  if (named.size() == 1) return named.front();
  if (named.size() > 1) {
    std::vector<std::string> at;
    for (size_t p : named) at.push_back(std::to_string(p + 1));
    throw Error("task \"" + task + "\" appears more than once in run " +
                std::to_string(data.run.id) + " (positions " + join(at) +
                "); give its position instead");
  }
  bool digits = !task.empty() && task.size() < 10;
  for (char ch : task) digits = digits && ch >= '0' && ch <= '9';
  if (digits) {
    const long position = std::stol(task);
    if (position >= 1 && static_cast<size_t>(position) <= data.tasks.size()) {
      return static_cast<size_t>(position - 1);
    }
  }
  std::vector<std::string> names;
  for (size_t p = 0; p < data.tasks.size(); ++p) {
    names.push_back(std::to_string(p + 1) + " " + data.tasks[p].name);
  }
  throw Error("run " + std::to_string(data.run.id) + " has no task \"" + task +
              "\"; its tasks: " + (names.empty() ? std::string("none recorded") : join(names)));
}

}  // namespace

int command_list(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"json"});
  args.check({"db", "experiment", "status", "tag"});
  no_extra_positionals(args, 0,
                       "list [--experiment NAME] [--status STATUS] [--tag TAG] [--json] "
                       "[--db FILE]");
  return translating_store_errors([&] {
    sy::store::RunFilter filter;
    if (args.has("status")) {
      const std::string name = args.str("status");
      filter.status = sy::store::parse_run_status(name);
      if (!filter.status) {
        throw Error("option --status is \"" + name +
                    "\"; expected one of: created, running, finished, failed, cancelled, "
                    "interrupted");
      }
    }
    if (args.has("tag")) filter.tag = args.str("tag");
    Store store = open_existing(args);

    std::vector<RunRecord> runs;
    if (args.has("experiment")) {
      // Several experiments may share a name: all of them count.
      const std::string name = args.str("experiment");
      std::set<std::string> names;
      for (const auto& e : store.list_experiments()) {
        names.insert(e.name);
        if (e.name != name) continue;
        filter.experiment_id = e.id;
        for (auto& r : store.list_runs(filter)) runs.push_back(std::move(r));
      }
      if (!names.count(name)) {
        throw Error("no experiment named \"" + name + "\" in " + store.path() +
                    "; its experiments: " +
                    (names.empty() ? std::string("none")
                                   : join(std::vector<std::string>(names.begin(), names.end()))));
      }
      std::sort(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) {
        return a.created_at_ms != b.created_at_ms ? a.created_at_ms > b.created_at_ms : a.id > b.id;
      });
    } else {
      runs = store.list_runs(filter);
    }

    std::vector<store::RunSummary> summaries;
    for (const auto& r : runs) summaries.push_back(store::parse_run_summary(r.summary_json));
    const int64_t now = now_ms();
    if (args.flag("json")) {
      json out = json::array();
      for (size_t i = 0; i < runs.size(); ++i) {
        out.push_back(report::run_list_json(runs[i], summaries[i], now));
      }
      std::cout << out.dump(2) << "\n";
    } else if (runs.empty()) {
      std::cout << "no runs"
                << (args.has("experiment") || args.has("status") || args.has("tag")
                        ? " match"
                        : " in " + store.path())
                << "\n";
    } else {
      report::print_run_list(std::cout, runs, summaries, now);
    }
    return 0;
  });
}

int command_show(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"json"});
  args.check({"db"});
  no_extra_positionals(args, 1, "show RUN [--json] [--db FILE]");
  const int64_t id = parse_run_id(args.positional()[0]);
  return translating_store_errors([&] {
    Store store = open_existing(args);
    find_run(store, id);
    const RunData data = store.load_run(id);
    if (args.flag("json")) {
      std::cout << report::run_json(data, now_ms()).dump(2) << "\n";
    } else {
      report::print_run(std::cout, data, now_ms());
    }
    return 0;
  });
}

int command_export(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {});
  args.check({"db", "format", "output"});
  no_extra_positionals(args, 1, "export RUN --format json|csv --output PATH [--db FILE]");
  const int64_t id = parse_run_id(args.positional()[0]);
  const std::string format = args.str("format", "json");
  if (format != "json" && format != "csv") {
    throw Error("option --format is \"" + format + "\"; expected json or csv");
  }
  const std::string output = args.required("output");
  if (format == "csv" && output == "-") {
    throw Error("--format csv writes four files into a folder; give --output DIR, not -");
  }
  return translating_store_errors([&] {
    Store store = open_existing(args);
    find_run(store, id);
    const RunData data = store.load_run(id);
    const auto points = store.load_train_points(id);
    if (format == "json") {
      json doc = report::run_json(data, now_ms());
      doc["train"] = report::train_points_json(points);
      const std::string text = doc.dump(2) + "\n";
      if (output == "-") {
        std::cout << text;
      } else {
        const fs::path path(output);
        if (path.has_parent_path()) make_folder(path.parent_path());
        write_file(path, text);
        std::cerr << "wrote " << path.string() << "\n";
      }
      return 0;
    }
    const fs::path folder(output);
    make_folder(folder);
    const std::pair<const char*, std::string> files[] = {{"scores.csv", scores_csv(data)},
                                                         {"train.csv", train_csv(points)},
                                                         {"confusion.csv", confusion_csv(data)},
                                                         {"summary.csv", summary_csv(data)}};
    for (const auto& [name, text] : files) {
      write_file(folder / name, text);
      std::cerr << "wrote " << (folder / name).string() << "\n";
    }
    return 0;
  });
}

int command_export_adapter(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"force"});
  args.check({"db"});
  no_extra_positionals(args, 3, "export-adapter RUN TASK DIR [--force] [--db FILE]");
  const int64_t id = parse_run_id(args.positional()[0]);
  const std::string task = args.positional()[1];
  const fs::path dir(args.positional()[2]);
  return translating_store_errors([&] {
    Store store = open_existing(args);
    find_run(store, id);
    const RunData data = store.load_run(id);
    const size_t position = task_position(data, task);
    const std::string task_name =
        data.tasks[position].name + " (task " + std::to_string(position + 1) + ")";
    const auto adapter = store.get_adapter(id, static_cast<int>(position));
    if (!adapter) {
      std::vector<std::string> with;
      for (const auto& a : data.adapters) {
        const size_t p = static_cast<size_t>(a.position);
        with.push_back(std::to_string(p + 1) + " " +
                       (p < data.tasks.size() ? data.tasks[p].name : std::string("?")));
      }
      throw Error("run " + std::to_string(id) + " has no adapter for " + task_name + "; " +
                  (with.empty() ? "it stored none (strategy " + data.run.strategy +
                                      "; full fine-tuning strategies keep no adapters)"
                                : "tasks with an adapter: " + join(with)));
    }

    const fs::path weights = dir / "adapter_model.safetensors";
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
      throw Error(dir.string() + " is a file; expected a folder for the adapter");
    }
    if (fs::exists(weights, ec) && !args.flag("force")) {
      throw Error(dir.string() +
                  " already holds an adapter (adapter_model.safetensors); give --force to "
                  "replace it, or another folder");
    }
    make_folder(dir);
    const auto& bytes = adapter->safetensors;
    write_file(weights, std::string(bytes.begin(), bytes.end()));
    const std::optional<json> config = sy::try_parse_json<json>(adapter->info.config_json);
    write_file(dir / "adapter_config.json",
               config ? config->dump(2) + "\n" : adapter->info.config_json);
    std::cerr << "wrote " << weights.string() << " (" << bytes.size() << " bytes, sha256 "
              << adapter->info.sha256.substr(0, 12) << ")\n";
    std::cerr << "wrote " << (dir / "adapter_config.json").string() << "\n";
    std::cout << "saved the adapter of " << task_name << " of run " << id << " to " << dir.string()
              << "\n";
    return 0;
  });
}

int command_check(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"full"});
  args.check({"db"});
  no_extra_positionals(args, 0, "check [--full] [--db FILE]");
  return translating_store_errors([&] {
    Store store = open_existing(args);
    if (args.flag("full")) {
      // integrity_check also cross-checks indexes against their tables: slower, and what to run
      // before trusting a store that a crash or a copy may have torn.
      const std::string report = store.check_integrity();
      if (report != "ok") {
        std::string problems = report;
        for (size_t at; (at = problems.find('\n')) != std::string::npos;)
          problems.replace(at, 1, "; ");
        throw Error(store.path() + " is damaged (SQLite's integrity_check: " + problems +
                    "); move it aside and restore a backup, or start a new database.");
      }
    } else {
      store.verify_intact();
    }
    const size_t runs = store.list_runs().size();
    std::cout << "ok: " << store.path() << " is whole (" << runs << (runs == 1 ? " run" : " runs")
              << "; SQLite's " << (args.flag("full") ? "integrity_check" : "quick_check") << ")\n";
    return 0;
  });
}

}  // namespace sy
