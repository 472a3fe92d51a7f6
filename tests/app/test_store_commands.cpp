// The store-reading commands (list, show, export, export-adapter) on a real SQLite file built
// through the Store API, called in-process with stdout and stderr captured.
#include <QTemporaryDir>
#include <QtTest>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/util/error.h"
#include "storage/store.h"
#include "tests/common/extended_run.h"

using nlohmann::json;
using namespace sy::store;
namespace fs = std::filesystem;

namespace {

struct Outcome {
  int code = -1;
  std::string out, err;
  std::string error;  // the sy::Error message, "" when none was thrown
};

// Runs `command` as `switchyard-engine NAME ARGS...` would, capturing std::cout and std::cerr.
Outcome call(int (*command)(int, char**), const std::string& name, std::vector<std::string> args) {
  args.insert(args.begin(), {"switchyard-engine", name});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::ostringstream out, err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  Outcome o;
  try {
    o.code = command(static_cast<int>(args.size()), argv.data());
  } catch (const sy::Error& e) {
    o.error = e.what();
  } catch (const std::exception& e) {
    o.error = std::string("NOT A sy::Error: ") + e.what();
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Lines ended by CRLF, as the CSV files are written.
std::vector<std::string> csv_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find("\r\n", start)) != std::string::npos; start = end + 2) {
    lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

// The output line of `list` that starts with the run id.
std::string line_of_run(const std::string& out, int64_t id) {
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(' ');
    if (first != std::string::npos &&
        line.compare(first, std::to_string(id).size() + 1, std::to_string(id) + " ") == 0) {
      return line;
    }
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

#define QVERIFY_CONTAINS(text, part) \
  QVERIFY2(contains(text, part),     \
           (std::string("expected \"") + (part) + "\" in:\n" + (text)).c_str())

const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

class TestStoreCommands : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  std::string db_;
  int64_t finished_ = 0, dead_ = 0, other_ = 0;
  std::vector<uint8_t> adapter1_, adapter2_;
  const std::string config1_ = R"({"r":8,"lora_alpha":16,"target_modules":["qkv_proj","o_proj"]})";
  const std::string sort_task_ = "sort, \"abc\"";  // CSV quoting needs a comma and a quote
  std::vector<std::vector<double>> matrix_;

  std::vector<std::string> db_args(std::vector<std::string> args) {
    args.push_back("--db");
    args.push_back(db_);
    return args;
  }

 private Q_SLOTS:
  // Three experiments (two named "demo"); a finished switchcit run with everything, a seq-ft run
  // whose engine died while it ran, and a run of another experiment that never started.
  void initTestCase() {
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("lab.db").toStdString();
    for (int i = 0; i < 300; ++i) adapter1_.push_back(static_cast<uint8_t>(i * 7));
    adapter1_[0] = 0;  // bytes that text handling would break
    adapter1_[1] = 0xff;
    adapter2_ = {1, 2, 3, 0, 4};
    {
      Store store = Store::open(db_);
      const int64_t demo = store.create_experiment("demo", R"({"name":"demo"})");
      NewRun run;
      run.experiment_id = demo;
      run.strategy = "switchcit";
      run.label = "SwitchCIT r8";
      run.seed = 7;
      run.config_json = R"({"lora":{"r":8}})";
      run.device = "cpu";
      run.engine_version = "0.1.0";
      finished_ = store.create_run(run);
      store.set_run_tasks(finished_, {{"reverse", "exact"}, {sort_task_, "rougeL"}});
      store.set_run_status(finished_, RunStatus::Running);
      store.put_scores(finished_, 0, {{0, "exact", 0.1}, {1, "rougeL", 0.05}});
      store.begin_stage(finished_, 1);
      store.append_train_points(
          finished_, {{1, 0, 2.5, 1e-3, 1000}, {1, 1, kNaN, 1e-3, 1100}, {1, 2, 1.25, 5e-4, 1200}});
      store.put_scores(finished_, 1, {{0, "exact", 0.9}});  // task 2 not scored: NaN cell
      store.put_adapter(finished_, 0, adapter1_, config1_, 4096);
      store.finish_stage(finished_, 1);
      store.begin_stage(finished_, 2);
      store.append_train_points(finished_, {{2, 0, 3.0, 1e-3, 900}, {2, 1, 1.5, 1e-3, 950}});
      store.put_scores(finished_, 2, {{0, "exact", 0.8}, {1, "rougeL", 0.6}});
      store.put_confusion(finished_, {2, {"reverse", sort_task_}, {{50, 0}, {2, 48}}});
      store.put_adapter(finished_, 1, adapter2_, "not json {", 12);
      store.finish_stage(finished_, 2);
      store.set_run_summary(finished_, R"({"ap":0.475,"forgetting":0.1,"bwt":-0.1,"fwt":0.02,)"
                                       R"("router_accuracy":0.98})");
      store.set_run_status(finished_, RunStatus::Finished);
      store.add_tag(finished_, "baseline");
      store.add_tag(finished_, "paper");
      store.add_note(finished_, "first note");
      store.add_note(finished_, "two\nlines");
      matrix_ = score_matrix(store.load_run(finished_));

      const int64_t demo_again = store.create_experiment("demo", "{}");
      run.experiment_id = demo_again;
      run.strategy = "seq-ft";
      run.label = "";
      run.seed = 1;
      dead_ = store.create_run(run);
      store.set_run_tasks(dead_, {{"reverse", "exact"}, {"sort", "exact"}});

      run.experiment_id = store.create_experiment("other", "{}");
      run.strategy = "oracle";
      other_ = store.create_run(run);
    }  // closed: the child must not inherit a connection
    // An engine that starts its run and dies without a word.
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      try {
        Store store = Store::open(db_);
        store.set_run_status(dead_, RunStatus::Running);
        store.begin_stage(dead_, 1);
      } catch (...) {
        _exit(1);
      }
      _exit(0);
    }
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  void list_shows_every_run_newest_first_and_the_dead_one_as_interrupted() {
    const Outcome o = call(sy::command_list, "list", db_args({}));
    QCOMPARE(o.error, std::string());
    QCOMPARE(o.code, 0);
    const std::string finished = line_of_run(o.out, finished_);
    const std::string dead = line_of_run(o.out, dead_);
    QVERIFY_CONTAINS(finished, "finished");
    QVERIFY_CONTAINS(finished, "SwitchCIT r8");
    QVERIFY_CONTAINS(finished, "47.5");
    QVERIFY_CONTAINS(finished, "2/2");
    QVERIFY_CONTAINS(dead, "interrupted");
    QVERIFY_CONTAINS(dead, "0/2");
    QVERIFY_CONTAINS(line_of_run(o.out, other_), "created");
    QVERIFY(o.out.find(line_of_run(o.out, other_)) < o.out.find(dead));
    QVERIFY(o.out.find(dead) < o.out.find(finished));
    QVERIFY_CONTAINS(o.out, "AP %");
  }

  // A finished multitask run planned one stage of all its tasks: list and show say 1 of 1, from
  // the stage count stored with the run (issue 23: they said 1/3 and "1 of 3").
  void list_and_show_agree_on_the_planned_stages() {
    const std::string db = dir_.filePath("multitask.db").toStdString();
    int64_t id = 0;
    {
      Store store = Store::open(db);
      NewRun run;
      run.experiment_id = store.create_experiment("demo", "{}");
      run.strategy = "multitask";
      id = store.create_run(run);
      store.set_run_tasks(id, {{"reverse", "exact"}, {"count", "exact"}, {"sort", "exact"}}, 1);
      store.set_run_status(id, RunStatus::Running);
      store.begin_stage(id, 1);
      store.finish_stage(id, 1);
      store.set_run_status(id, RunStatus::Finished);
      QCOMPARE(store.load_run(id).run.stage_count, 1);
    }
    const Outcome list = call(sy::command_list, "list", {"--db", db});
    QCOMPARE(list.error, std::string());
    QVERIFY_CONTAINS(line_of_run(list.out, id), "1/1");
    const Outcome json = call(sy::command_list, "list", {"--db", db, "--json"});
    const auto runs = nlohmann::json::parse(json.out);
    QCOMPARE(runs[0]["stages_total"].get<int>(), 1);
    const Outcome show = call(sy::command_show, "show", {std::to_string(id), "--db", db});
    QCOMPARE(show.error, std::string());
    QVERIFY_CONTAINS(show.out, "1 of 1 finished");
  }

  // Issue 21: a run extended days after it finished reads the 150 s it worked, not the days in
  // between (finished - started), in list and show, as text and as JSON.
  void list_and_show_leave_an_extensions_pause_out_of_the_duration() {
    const std::string db = dir_.filePath("extended.db").toStdString();
    int64_t id = 0;
    {
      Store store = Store::open(db);
      id = sy::test::store_extended_run(store);
    }
    const Outcome list = call(sy::command_list, "list", {"--db", db});
    QCOMPARE(list.error, std::string());
    QVERIFY_CONTAINS(line_of_run(list.out, id), " 2:30");
    const Outcome list_json = call(sy::command_list, "list", {"--db", db, "--json"});
    QCOMPARE(json::parse(list_json.out)[0]["duration_s"].get<double>(), 150.0);
    const Outcome show = call(sy::command_show, "show", {std::to_string(id), "--db", db});
    QCOMPARE(show.error, std::string());
    std::istringstream in(show.out);
    std::string duration;
    for (std::string line; std::getline(in, line);) {
      if (contains(line, "duration")) duration = line;
    }
    QVERIFY_CONTAINS(duration, "2:30");
    const Outcome show_json =
        call(sy::command_show, "show", {std::to_string(id), "--db", db, "--json"});
    QCOMPARE(json::parse(show_json.out)["duration_s"].get<double>(), 150.0);
  }

  void list_filters_by_status_experiment_and_tag() {
    Outcome o = call(sy::command_list, "list", db_args({"--status", "interrupted"}));
    QCOMPARE(o.error, std::string());
    QVERIFY(!line_of_run(o.out, dead_).empty());
    QVERIFY(line_of_run(o.out, finished_).empty());

    // Both experiments named demo, not "other".
    o = call(sy::command_list, "list", db_args({"--experiment", "demo"}));
    QVERIFY(!line_of_run(o.out, dead_).empty());
    QVERIFY(!line_of_run(o.out, finished_).empty());
    QVERIFY(line_of_run(o.out, other_).empty());

    o = call(sy::command_list, "list", db_args({"--tag", "paper"}));
    QVERIFY(!line_of_run(o.out, finished_).empty());
    QVERIFY(line_of_run(o.out, dead_).empty());

    o = call(sy::command_list, "list", db_args({"--status", "done"}));
    QVERIFY_CONTAINS(o.error, "--status");
    QVERIFY_CONTAINS(o.error, "interrupted");
    o = call(sy::command_list, "list", db_args({"--experiment", "nope"}));
    QVERIFY_CONTAINS(o.error, "no experiment named \"nope\"");
  }

  void list_json_has_the_fields_and_the_ap() {
    const Outcome o = call(sy::command_list, "list", db_args({"--json"}));
    QCOMPARE(o.error, std::string());
    const json runs = json::parse(o.out);
    QVERIFY(runs.is_array());
    QCOMPARE(runs.size(), size_t(3));
    QCOMPARE(runs[0]["id"].get<int64_t>(), other_);
    const json& finished = runs[2];
    QCOMPARE(finished["id"].get<int64_t>(), finished_);
    QCOMPARE(finished["ap"].get<double>(), 0.475);
    QCOMPARE(finished["status"].get<std::string>(), std::string("finished"));
    QCOMPARE(finished["stages_done"].get<int>(), 2);
    QCOMPARE(finished["stages_total"].get<int>(), 2);
    QCOMPARE(finished["seed"].get<uint64_t>(), uint64_t(7));
    QCOMPARE(finished["experiment"].get<std::string>(), std::string("demo"));
    QVERIFY(finished["started"].is_string());
    QVERIFY(finished["duration_s"].is_number());
    const json& dead = runs[1];
    QCOMPARE(dead["status"].get<std::string>(), std::string("interrupted"));
    QVERIFY(dead["ap"].is_null());
    QCOMPARE(dead["label"].get<std::string>(), std::string("seq-ft"));  // empty: the strategy
  }

  void show_prints_the_run() {
    const Outcome o = call(sy::command_show, "show", db_args({std::to_string(finished_)}));
    QCOMPARE(o.error, std::string());
    QVERIFY_CONTAINS(o.out, "0 (base)");
    QVERIFY_CONTAINS(o.out, "1 (reverse)");
    QVERIFY_CONTAINS(o.out, "90.0");   // R[1][0]
    QVERIFY_CONTAINS(o.out, "60.0");   // R[2][1]
    QVERIFY_CONTAINS(o.out, "47.5");   // AP
    QVERIFY_CONTAINS(o.out, "-10.0");  // BWT
    QVERIFY_CONTAINS(o.out, "98.0");   // router accuracy
    QVERIFY_CONTAINS(o.out, "router confusion after stage 2");
    QVERIFY_CONTAINS(o.out, "baseline, paper");
    QVERIFY_CONTAINS(o.out, "two\n");
    QVERIFY_CONTAINS(o.out, "rougeL");
    // The unscored cell R[1][1].
    std::istringstream in(o.out);
    std::string row;
    for (std::string line; std::getline(in, line);) {
      if (contains(line, "1 (reverse)")) row = line;
    }
    QVERIFY_CONTAINS(row, "90.0");
    QCOMPARE(row.back(), '-');

    Store store = Store::open(db_);
    const std::string sha = store.load_run(finished_).adapters[0].sha256;
    QVERIFY_CONTAINS(o.out, sha.substr(0, 12));
    QVERIFY(!contains(o.out, sha.substr(0, 13)));

    const Outcome dead = call(sy::command_show, "show", db_args({std::to_string(dead_)}));
    QCOMPARE(dead.error, std::string());
    QVERIFY_CONTAINS(dead.out, "interrupted (its engine process");
    QVERIFY_CONTAINS(dead.out, "none stored yet");  // no summary
    QVERIFY_CONTAINS(dead.out, "unfinished");       // its stage 1 will not finish
  }

  void show_json_round_trips_the_score_matrix() {
    const Outcome o =
        call(sy::command_show, "show", db_args({std::to_string(finished_), "--json"}));
    QCOMPARE(o.error, std::string());
    const json doc = json::parse(o.out);
    const json& m = doc["score_matrix"];
    QCOMPARE(m.size(), matrix_.size());
    for (size_t i = 0; i < matrix_.size(); ++i) {
      QCOMPARE(m[i].size(), matrix_[i].size());
      for (size_t j = 0; j < matrix_[i].size(); ++j) {
        if (std::isnan(matrix_[i][j])) {
          QVERIFY(m[i][j].is_null());
        } else {
          QCOMPARE(m[i][j].get<double>(), matrix_[i][j]);
        }
      }
    }
    QVERIFY(m[1][1].is_null());
    QCOMPARE(doc["summary"]["bwt"].get<double>(), -0.1);
    QCOMPARE(doc["tasks"][1]["name"].get<std::string>(), sort_task_);
    QCOMPARE(doc["tasks"][1]["metric"].get<std::string>(), std::string("rougeL"));
    QCOMPARE(doc["confusions"][0]["counts"][1][0].get<int>(), 2);
    QCOMPARE(doc["adapters"].size(), size_t(2));
    QCOMPARE(doc["adapters"][0]["config"]["r"].get<int>(), 8);
    QCOMPARE(doc["notes"][1]["text"].get<std::string>(), std::string("two\nlines"));
    QCOMPARE(doc["tags"].size(), size_t(2));
  }

  void export_json_has_the_training_points() {
    const fs::path path = fs::path(dir_.path().toStdString()) / "out" / "run.json";
    const Outcome o =
        call(sy::command_export, "export",
             db_args({std::to_string(finished_), "--format", "json", "--output", path.string()}));
    QCOMPARE(o.error, std::string());
    QVERIFY_CONTAINS(o.err, path.string());
    const json doc = json::parse(read_file(path));
    QCOMPARE(doc["train"].size(), size_t(5));
    QCOMPARE(doc["train"][0]["loss"].get<double>(), 2.5);
    QVERIFY(doc["train"][1]["loss"].is_null());  // NaN
    QCOMPARE(doc["train"][4]["stage"].get<int>(), 2);
    QCOMPARE(doc["train"][2]["tokens_per_s"].get<double>(), 1200.0);
    QCOMPARE(doc["summary"]["ap"].get<double>(), 0.475);
    QCOMPARE(doc["score_matrix"].size(), size_t(3));

    const Outcome stdout_only =
        call(sy::command_export, "export",
             db_args({std::to_string(finished_), "--format", "json", "--output", "-"}));
    QCOMPARE(json::parse(stdout_only.out)["train"].size(), size_t(5));
  }

  void export_csv_writes_four_files() {
    const fs::path folder = fs::path(dir_.path().toStdString()) / "csv";
    const Outcome o =
        call(sy::command_export, "export",
             db_args({std::to_string(finished_), "--format", "csv", "--output", folder.string()}));
    QCOMPARE(o.error, std::string());
    const auto scores = csv_lines(read_file(folder / "scores.csv"));
    const auto train = csv_lines(read_file(folder / "train.csv"));
    const auto confusion = csv_lines(read_file(folder / "confusion.csv"));
    const auto summary = csv_lines(read_file(folder / "summary.csv"));
    QCOMPARE(scores.size(), size_t(1 + 5));
    QCOMPARE(train.size(), size_t(1 + 5));
    QCOMPARE(confusion.size(), size_t(1 + 4));
    QCOMPARE(summary.size(), size_t(1 + 5));
    QCOMPARE(scores[0], std::string("after_stage,position,task,metric,value"));
    QCOMPARE(scores[5], std::string("2,1,\"sort, \"\"abc\"\"\",rougeL,0.6"));
    QCOMPARE(train[0], std::string("stage,step,loss,lr,tokens_per_s"));
    QCOMPARE(train[2], std::string("1,1,,0.001,1100"));  // NaN loss: empty
    QCOMPARE(confusion[3], std::string("2,\"sort, \"\"abc\"\"\",reverse,2"));
    QCOMPARE(summary[1], std::string("ap,0.475"));
    for (const char* name : {"scores.csv", "train.csv", "confusion.csv", "summary.csv"}) {
      QVERIFY_CONTAINS(o.err, (folder / name).string());
    }
  }

  void export_adapter_writes_the_stored_bytes_by_name_and_by_position() {
    const fs::path root(dir_.path().toStdString());
    const Outcome by_name =
        call(sy::command_export_adapter, "export-adapter",
             db_args({std::to_string(finished_), "reverse", (root / "a1").string()}));
    QCOMPARE(by_name.error, std::string());
    const std::string bytes = read_file(root / "a1" / "adapter_model.safetensors");
    QCOMPARE(bytes, std::string(adapter1_.begin(), adapter1_.end()));
    const std::string config = read_file(root / "a1" / "adapter_config.json");
    QCOMPARE(json::parse(config), json::parse(config1_));
    QVERIFY_CONTAINS(config, "\n  \"r\": 8");  // pretty-printed

    const Outcome by_position =
        call(sy::command_export_adapter, "export-adapter",
             db_args({std::to_string(finished_), "2", (root / "a2").string()}));
    QCOMPARE(by_position.error, std::string());
    QCOMPARE(read_file(root / "a2" / "adapter_model.safetensors"),
             std::string(adapter2_.begin(), adapter2_.end()));
    QCOMPARE(read_file(root / "a2" / "adapter_config.json"), std::string("not json {"));

    // An adapter already there is kept unless --force.
    Outcome again = call(sy::command_export_adapter, "export-adapter",
                         db_args({std::to_string(finished_), "1", (root / "a2").string()}));
    QVERIFY_CONTAINS(again.error, "--force");
    QCOMPARE(read_file(root / "a2" / "adapter_model.safetensors"),
             std::string(adapter2_.begin(), adapter2_.end()));
    again = call(sy::command_export_adapter, "export-adapter",
                 db_args({std::to_string(finished_), "1", (root / "a2").string(), "--force"}));
    QCOMPARE(again.error, std::string());
    QCOMPARE(read_file(root / "a2" / "adapter_model.safetensors"), bytes);
  }

  // `check` reads every page: a whole store says ok; one with damaged pages that open() and list
  // do not read gets one error naming the file, and is left as it was.
  void check_says_whether_the_store_is_whole() {
    for (const char* mode : {"", "--full"}) {
      std::vector<std::string> args = db_args({});
      if (*mode) args.push_back(mode);
      const Outcome o = call(sy::command_check, "check", args);
      QCOMPARE(o.code, 0);
      QVERIFY_CONTAINS(o.out, "ok: " + db_ + " is whole (3 runs; SQLite's ");
      QVERIFY_CONTAINS(o.out, *mode ? "integrity_check" : "quick_check");
    }
    const std::string damaged = dir_.filePath("damaged.db").toStdString();
    {
      Store store = Store::open(damaged);
      const int64_t experiment = store.create_experiment("big", "{}");
      NewRun run;
      run.experiment_id = experiment;
      run.strategy = "seq-ft";
      const int64_t id = store.create_run(run);
      store.begin_stage(id, 1);
      std::vector<sy::store::TrainPoint> points;
      for (int64_t step = 0; step < 20000; ++step) points.push_back({1, step, 2.0, 1e-3, 1000});
      store.append_train_points(id, points);
    }
    std::string bytes = read_file(damaged);
    QVERIFY(bytes.size() > 40 * 4096);
    // Five pages from the middle: training points, which open() and list do not read.
    const size_t middle = bytes.size() / 2 / 4096 * 4096;
    for (size_t i = middle; i < middle + 5 * 4096; ++i) bytes[i] = char(i * 131 + 7);
    QCOMPARE(call(sy::command_list, "list", {"--db", damaged}).code, 0);
    std::ofstream(damaged, std::ios::binary | std::ios::trunc) << bytes;
    for (const char* mode : {"", "--full"}) {
      std::vector<std::string> args = {"--db", damaged};
      if (*mode) args.push_back(mode);
      const Outcome o = call(sy::command_check, "check", args);
      QVERIFY_CONTAINS(o.error, damaged + " is damaged (SQLite");
      QVERIFY_CONTAINS(o.error, "restore a backup");
      QVERIFY2(o.error.find('\n') == std::string::npos, o.error.c_str());  // one line
      QVERIFY(o.out.empty());
      QCOMPARE(read_file(damaged), bytes);
    }
  }

  void errors_name_what_is_wrong() {
    const std::string dir = dir_.filePath("never").toStdString();
    Outcome o = call(sy::command_show, "show", db_args({"99"}));
    QCOMPARE(o.error.rfind("no run 99 in " + db_, 0), size_t(0));
    o = call(sy::command_show, "show", db_args({"abc"}));
    QVERIFY_CONTAINS(o.error, "expected a run id");
    o = call(sy::command_export, "export", db_args({"99", "--output", "-"}));
    QVERIFY_CONTAINS(o.error, "no run 99");

    o = call(sy::command_export_adapter, "export-adapter",
             db_args({std::to_string(finished_), "nope", dir}));
    QVERIFY_CONTAINS(o.error, "no task \"nope\"");
    QVERIFY_CONTAINS(o.error, "1 reverse");
    o = call(sy::command_export_adapter, "export-adapter",
             db_args({std::to_string(finished_), "3", dir}));
    QVERIFY_CONTAINS(o.error, "no task \"3\"");

    o = call(sy::command_export_adapter, "export-adapter",
             db_args({std::to_string(dead_), "reverse", dir}));
    QVERIFY_CONTAINS(o.error, "has no adapter for reverse (task 1)");
    QVERIFY_CONTAINS(o.error, "full fine-tuning");
    QVERIFY(!fs::exists(dir));

    const std::string missing = dir_.filePath("missing.db").toStdString();
    const std::string expected =
        missing + ": no such database; run an experiment with --db " + missing + " first";
    QCOMPARE(call(sy::command_list, "list", {"--db", missing}).error, expected);
    QCOMPARE(call(sy::command_show, "show", {"1", "--db", missing}).error, expected);
    QCOMPARE(
        call(sy::command_export_adapter, "export-adapter", {"1", "1", dir, "--db", missing}).error,
        expected);
    QVERIFY(!fs::exists(missing));
    QVERIFY(!fs::exists(dir));
  }
};

QTEST_GUILESS_MAIN(TestStoreCommands)
#include "test_store_commands.moc"
