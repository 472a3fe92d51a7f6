// The engine as a real child process writing a real SQLite file: its events are all documented
// and replay to what the database holds; a reader can read while it writes; SIGKILL at a stage
// boundary leaves a valid database whose run resumes to exactly the uninterrupted results (for
// a full fine-tune and for switchcit's experts); SIGTERM cancels cleanly.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <sqlite3.h>
#include <unistd.h>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <nlohmann/json.hpp>

#include "engine/model/checkpoint.h"
#include "engine/model/tensor_io.h"
#include "engine/run/event_stream.h"
#include "engine/util/resources.h"
#include "storage/database.h"
#include "storage/store.h"
#include "tests/common/run_process.h"

using nlohmann::json;
using namespace sy;

namespace {

// A quick two-strategy experiment: seq-ft carries a full model between stages, switchcit a bank
// of experts; fp32 so that results are bit-for-bit reproducible across processes.
const char* kExperiment = R"({
  "name": "process", "tasks": ["reverse", "capitalize", "count"],
  "data": {"train_examples": 200, "test_examples": 8},
  "training": {"steps": 90, "batch_size": 8, "precision": "fp32"},
  "strategies": ["seq-ft", "switchcit"],
  "evaluation": {"max_new_tokens": 16}
})";

// switchyard-engine as a child process; stdout read line by line as JSON events.
class Engine {
 public:
  explicit Engine(const QStringList& args) {
    process_.setProcessChannelMode(QProcess::SeparateChannels);
    process_.start(SY_ENGINE_BIN, args);
    if (!process_.waitForStarted(10000)) qFatal("cannot start %s", SY_ENGINE_BIN);
  }
  ~Engine() {
    if (process_.state() != QProcess::NotRunning) {
      process_.kill();
      process_.waitForFinished(10000);
    }
  }

  // The next event, or null when the stream ends.
  json next() {
    while (!process_.canReadLine()) {
      if (process_.state() == QProcess::NotRunning) return nullptr;
      process_.waitForReadyRead(200);
    }
    const QByteArray line = process_.readLine();
    json event = json::parse(line.toStdString());
    events_.push_back(event);
    return event;
  }
  // Reads events until one matches; false when the stream ends first.
  bool until(const std::function<bool(const json&)>& match) {
    for (json e = next(); !e.is_null(); e = next())
      if (match(e)) return true;
    return false;
  }
  int finish() {
    while (!next().is_null()) {
    }
    process_.waitForFinished(300000);
    return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;  // -1: crashed
  }
  void signal(int sig) { ::kill(static_cast<pid_t>(process_.processId()), sig); }
  QString errors() { return QString::fromUtf8(process_.readAllStandardError()); }
  const std::vector<json>& events() const { return events_; }

 private:
  QProcess process_;
  std::vector<json> events_;
};

// A folder whose file system fills up after `kilobytes`: a tmpfs of that size where this process
// may mount one (root), else an ordinary folder and a file size limit (RLIMIT_FSIZE, ulimit -f)
// on the engine, with SIGXFSZ ignored so that a write past it fails as a full disk's does.
class SmallDisk {
 public:
  SmallDisk(const QString& folder, int kilobytes) : folder_(folder), kilobytes_(kilobytes) {
    QDir().mkpath(folder);
    if (geteuid() == 0) {
      mounted_ = QProcess::execute("mount",
                                   {"-t", "tmpfs", "-o", QStringLiteral("size=%1k").arg(kilobytes),
                                    "tmpfs", folder}) == 0;
    }
  }
  ~SmallDisk() {
    if (mounted_) QProcess::execute("umount", {"-l", folder_});
  }
  bool mounted() const { return mounted_; }
  // Makes the mounted file system read-only (or writable again).
  bool set_read_only(bool on) {
    return mounted_ &&
           QProcess::execute("mount", {"-o", on ? "remount,ro" : "remount,rw", folder_}) == 0;
  }
  // The engine command line, limited where no tmpfs holds the folder.
  std::pair<QString, QStringList> engine(const QStringList& args) const {
    if (mounted_) return {SY_ENGINE_BIN, args};
    // bash counts ulimit -f in KiB (dash in 512-byte blocks). The limit holds for every file the
    // engine writes, its scratch files too, so it stays above one adapter's 256 KiB.
    QStringList sh = {"-c",
                      QStringLiteral("ulimit -f %1; trap '' XFSZ; exec \"$0\" \"$@\"")
                          .arg(std::min(kilobytes_, 300)),
                      SY_ENGINE_BIN};
    return {"/bin/bash", sh + args};
  }

 private:
  QString folder_;
  int kilobytes_;
  bool mounted_ = false;
};

int run_to_end(const QStringList& args, QString* errors = nullptr) {
  Engine engine(args);
  const int code = engine.finish();
  if (errors) *errors = engine.errors();
  return code;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// What the events say about one run, in the database's terms.
struct Replayed {
  std::string strategy, label, status;
  uint64_t seed = 0;
  std::vector<std::string> tasks;
  std::map<std::pair<int, int>, double> scores;  // (after_stage, position) -> value
  std::map<int, std::vector<std::vector<int64_t>>> confusion;
  std::map<int, std::string> adapters;  // position -> sha256
  std::vector<store::TrainPoint> points;
  json summary;
};

std::map<int64_t, Replayed> replay(const std::vector<json>& events) {
  std::map<int64_t, Replayed> runs;
  for (const json& e : events) {
    if (!e.contains("run") || e["run"].is_null()) continue;
    Replayed& r = runs[e["run"].get<int64_t>()];
    const std::string type = e["type"];
    if (type == "run_started") {
      r.strategy = e["strategy"];
      r.label = e["label"];
      r.seed = e["seed"];
      r.tasks = e["tasks"].get<std::vector<std::string>>();
    } else if (type == "stage_started") {
      // A restarted stage replaces what an interrupted attempt reported, as in the database.
      const int stage = e["stage"];
      r.points.erase(std::remove_if(r.points.begin(), r.points.end(),
                                    [&](const store::TrainPoint& p) { return p.stage >= stage; }),
                     r.points.end());
    } else if (type == "train_step") {
      r.points.push_back({e["stage"].get<int>(), e["step"].get<int64_t>(), e["loss"].get<double>(),
                          e["lr"].get<double>(), e["tokens_per_s"].get<double>()});
    } else if (type == "evaluation") {
      for (const json& s : e["scores"]) {
        r.scores[{e["after_stage"].get<int>(), s["position"].get<int>()}] = s["value"];
      }
    } else if (type == "router") {
      r.confusion[e["after_stage"]] = e["counts"].get<std::vector<std::vector<int64_t>>>();
    } else if (type == "adapter_saved") {
      r.adapters[e["position"]] = e["sha256"];
    } else if (type == "run_finished") {
      r.status = "finished";
      r.summary = e["summary"];
    } else if (type == "run_cancelled") {
      r.status = "cancelled";
    } else if (type == "run_failed") {
      r.status = "failed";
    }
  }
  return runs;
}

// What the database holds of a run that the uninterrupted reference must match exactly.
struct Outcome {
  std::vector<std::vector<double>> matrix;
  std::vector<std::vector<std::vector<int64_t>>> confusions;
  std::vector<std::string> adapters;
  std::vector<std::pair<int64_t, double>> losses;
  std::string summary;
};

Outcome outcome(store::Store& store, int64_t run) {
  const store::RunData data = store.load_run(run);
  Outcome o;
  o.matrix = store::score_matrix(data);
  for (const auto& c : data.confusions) o.confusions.push_back(c.counts);
  for (const auto& a : data.adapters) o.adapters.push_back(a.sha256);
  for (const auto& p : store.load_train_points(run))
    o.losses.push_back({p.stage * 1000 + p.step, p.loss});
  o.summary = data.run.summary_json;
  return o;
}

void compare(const Outcome& got, const Outcome& want) {
  QCOMPARE(got.matrix, want.matrix);
  QCOMPARE(got.confusions, want.confusions);
  QCOMPARE(got.adapters, want.adapters);
  QCOMPARE(got.losses, want.losses);
  QCOMPARE(got.summary, want.summary);
}

}  // namespace

class TestEngineProcess : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString experiment_;
  QString reference_db_;

  QString db(const QString& name) const { return dir_.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    experiment_ = dir_.filePath("process.json");
    std::ofstream(experiment_.toStdString()) << kExperiment;
  }

  void every_event_type_is_documented() {
    const std::string doc = read_text(SWITCHYARD_SOURCE_DIR "/docs/events.md");
    std::set<std::string> documented;
    const std::string marker = "### `";
    for (size_t at = doc.find(marker); at != std::string::npos; at = doc.find(marker, at + 1)) {
      const size_t begin = at + marker.size();
      documented.insert(doc.substr(begin, doc.find('`', begin) - begin));
    }
    const auto& types = EventStream::types();
    QCOMPARE(documented, std::set<std::string>(types.begin(), types.end()));
  }

  // The reference run, read live by a second connection while the engine writes.
  void events_replay_to_what_the_database_holds() {
    reference_db_ = db("reference.db");
    Engine engine({"run", experiment_, "--quick", "--events", "--db", reference_db_});
    std::set<std::string> seen;
    int reads = 0;
    for (json e = engine.next(); !e.is_null(); e = engine.next()) {
      seen.insert(e["type"].get<std::string>());
      if (e["type"] == "stage_finished") {
        store::Store reader = store::Store::open(reference_db_.toStdString());
        for (const auto& run : reader.list_runs()) reader.load_run(run.id);
        ++reads;
      }
    }
    QCOMPARE(engine.finish(), 0);
    QCOMPARE(reads, 6);
    const auto& types = EventStream::types();
    for (const std::string& type : seen) {
      QVERIFY2(std::find(types.begin(), types.end(), type) != types.end(), type.c_str());
    }
    for (const char* type : {"experiment_started", "run_started", "stage_started", "train_step",
                             "progress", "evaluation", "router", "adapter_saved", "stage_finished",
                             "run_finished", "experiment_finished"}) {
      QVERIFY2(seen.count(type), type);
    }

    store::Store store = store::Store::open(reference_db_.toStdString());
    QCOMPARE(store.check_integrity(), std::string("ok"));
    const auto replayed = replay(engine.events());
    QCOMPARE(replayed.size(), size_t(2));
    for (const auto& [id, r] : replayed) {
      const store::RunData data = store.load_run(id);
      QCOMPARE(data.run.strategy, r.strategy);
      QCOMPARE(data.run.label, r.label);
      QCOMPARE(data.run.seed, r.seed);
      QCOMPARE(std::string(store::run_status_name(data.run.status)), r.status);
      QCOMPARE(data.tasks.size(), r.tasks.size());
      for (size_t j = 0; j < r.tasks.size(); ++j) QCOMPARE(data.tasks[j].name, r.tasks[j]);
      QCOMPARE(data.scores.size(), r.scores.size());
      for (const auto& cell : data.scores) {
        QCOMPARE(cell.value, r.scores.at({cell.after_stage, cell.position}));
      }
      QCOMPARE(data.confusions.size(), r.confusion.size());
      for (const auto& c : data.confusions) QCOMPARE(c.counts, r.confusion.at(c.after_stage));
      QCOMPARE(data.adapters.size(), r.adapters.size());
      for (const auto& a : data.adapters) QCOMPARE(a.sha256, r.adapters.at(a.position));
      const auto points = store.load_train_points(id);
      QCOMPARE(points.size(), r.points.size());
      for (size_t i = 0; i < points.size(); ++i) {
        QCOMPARE(points[i].stage, r.points[i].stage);
        QCOMPARE(points[i].step, r.points[i].step);
        QCOMPARE(points[i].loss, r.points[i].loss);
        QCOMPARE(points[i].lr, r.points[i].lr);
        QCOMPARE(points[i].tokens_per_s, r.points[i].tokens_per_s);
        // When each step was taken (schema 6), in the order of the steps: the plots' wall time.
        QVERIFY(points[i].at_ms.has_value());
        if (i > 0) QVERIFY(*points[i].at_ms >= *points[i - 1].at_ms);
      }
      QCOMPARE(json::parse(data.run.summary_json), r.summary);
    }
    QCOMPARE(replayed.at(1).adapters.size(), size_t(0));  // seq-ft: full fine-tuning
    QCOMPARE(replayed.at(2).adapters.size(), size_t(3));  // switchcit: one expert per task
  }

  void a_killed_run_resumes_to_the_uninterrupted_results() {
    QVERIFY2(!reference_db_.isEmpty(), "needs the reference run of the test before");
    store::Store reference = store::Store::open(reference_db_.toStdString());
    const QString path = db("killed.db");

    // Kill 1: seq-ft right after its first stage is durable. Kill 2: a second invocation's
    // switchcit after its second stage.
    struct Kill {
      int64_t run;
      int64_t reference_run;
      int after_stage;
    };
    for (const Kill kill : {Kill{1, 1, 1}, Kill{3, 2, 2}}) {
      Engine engine({"run", experiment_, "--quick", "--events", "--db", path});
      QVERIFY(engine.until([&](const json& e) {
        return e["type"] == "stage_finished" && e["run"] == kill.run &&
               e["stage"] == kill.after_stage;
      }));
      engine.signal(SIGKILL);
      engine.finish();

      store::Store store = store::Store::open(path.toStdString());
      QCOMPARE(store.check_integrity(), std::string("ok"));
      QVERIFY(store.mark_interrupted_runs() == std::vector<int64_t>{kill.run});
      const store::RunData interrupted = store.load_run(kill.run);
      QVERIFY(interrupted.run.status == store::RunStatus::Interrupted);
      QVERIFY(store.last_finished_stage(kill.run) >= kill.after_stage);
      // Nothing of a finished stage was lost.
      const Outcome want = outcome(reference, kill.reference_run);
      for (int row = 0; row <= kill.after_stage; ++row) {
        QCOMPARE(store::score_matrix(interrupted)[static_cast<size_t>(row)],
                 want.matrix[static_cast<size_t>(row)]);
      }

      QString errors;
      QCOMPARE(run_to_end({"resume", QString::number(kill.run), "--db", path, "--events"}, &errors),
               0);
      QVERIFY2(errors.contains("continuing run"), qPrintable(errors));
      store::Store after = store::Store::open(path.toStdString());
      QVERIFY(after.load_run(kill.run).run.status == store::RunStatus::Finished);
      compare(outcome(after, kill.run), want);
    }
    QString errors;
    QCOMPARE(run_to_end({"resume", "3", "--db", path}, &errors), 1);
    QVERIFY2(errors.contains("run 3 in " + path + " has already finished"), qPrintable(errors));
  }

  // An experiment killed in its first run never created its second: resume --experiment
  // finishes the first and runs the second, to exactly the uninterrupted experiment's results.
  void resume_experiment_runs_the_runs_never_started() {
    QVERIFY2(!reference_db_.isEmpty(), "needs the reference run of the test before");
    store::Store reference = store::Store::open(reference_db_.toStdString());
    const QString path = db("experiment-killed.db");
    {
      Engine engine({"run", experiment_, "--quick", "--events", "--db", path});
      QVERIFY(engine.until([&](const json& e) {
        return e["type"] == "stage_finished" && e["run"] == 1 && e["stage"] == 1;
      }));
      engine.signal(SIGKILL);
      engine.finish();
    }
    {
      store::Store store = store::Store::open(path.toStdString());
      QCOMPARE(store.list_runs().size(), size_t(1));  // switchcit was never created
    }
    QString errors;
    QCOMPARE(run_to_end({"resume", "--experiment", "1", "--db", path, "--events"}, &errors), 0);
    QVERIFY2(errors.contains("continuing run 1") && errors.contains("never started"),
             qPrintable(errors));
    store::Store after = store::Store::open(path.toStdString());
    const auto runs = after.list_runs();
    QCOMPARE(runs.size(), size_t(2));
    for (const auto& r : runs) {
      QVERIFY(r.status == store::RunStatus::Finished);
      QCOMPARE(r.experiment_id, int64_t(1));
    }
    QCOMPARE(after.list_experiments().size(), size_t(1));
    compare(outcome(after, 1), outcome(reference, 1));
    compare(outcome(after, 2), outcome(reference, 2));

    QCOMPARE(run_to_end({"resume", "--experiment", "1", "--db", path}, &errors), 0);
    QVERIFY2(errors.contains("has nothing left to run"), qPrintable(errors));
    QCOMPARE(run_to_end({"resume", "--experiment", "7", "--db", path}, &errors), 1);
    QVERIFY2(errors.contains("experiment 7"), qPrintable(errors));
    QCOMPARE(run_to_end({"resume", "--experiment", "x", "--db", path}, &errors), 1);
    QVERIFY2(errors.contains("--experiment is \"x\""), qPrintable(errors));
  }

  void extending_a_finished_run_trains_only_the_new_task() {
    QVERIFY2(!reference_db_.isEmpty(), "needs the reference run of the test before");
    const int64_t run = 2;  // switchcit, finished
    std::vector<std::vector<uint8_t>> before;
    store::RunData old;
    {
      store::Store store = store::Store::open(reference_db_.toStdString());
      old = store.load_run(run);
      for (int k = 0; k < 3; ++k) before.push_back(store.get_adapter(run, k)->safetensors);
    }
    QString errors;
    QCOMPARE(run_to_end({"extend", QString::number(run), "--task", "last-word", "--db",
                         reference_db_, "--events"},
                        &errors),
             0);
    store::Store store = store::Store::open(reference_db_.toStdString());
    const store::RunData now = store.load_run(run);
    QVERIFY(now.run.status == store::RunStatus::Finished);
    QCOMPARE(now.tasks.size(), size_t(4));
    QCOMPARE(now.tasks[3].name, std::string("last-word"));
    QCOMPARE(now.adapters.size(), size_t(4));
    // The stored experts, and the ones the extended run kept in memory (its checkpoint), are
    // bit for bit the experts of the original run.
    const NamedTensors checkpoint =
        tensors_from_safetensors_bytes(store.get_checkpoint(run)->state, "checkpoint");
    for (int k = 0; k < 3; ++k) {
      QCOMPARE(store.get_adapter(run, k)->safetensors, before[static_cast<size_t>(k)]);
      const NamedTensors old_expert =
          tensors_from_safetensors_bytes(before[static_cast<size_t>(k)], "adapter");
      for (const auto& [name, tensor] : old_expert) {
        const torch::Tensor& kept = checkpoint.at("expert" + std::to_string(k) + "." + name);
        QVERIFY2(torch::equal(kept, tensor), name.c_str());
      }
    }
    // Old cells unchanged; the new column has row 0 and row 3; rows 1-2 were never evaluated.
    const std::vector<std::vector<double>> now_matrix = store::score_matrix(now);
    const std::vector<std::vector<double>> old_matrix = store::score_matrix(old);
    QCOMPARE(now_matrix.size(), size_t(5));
    for (size_t i = 0; i < 4; ++i) {
      for (size_t j = 0; j < 3; ++j) QCOMPARE(now_matrix[i][j], old_matrix[i][j]);
    }
    QVERIFY(!std::isnan(now_matrix[0][3]) && !std::isnan(now_matrix[3][3]));
    QVERIFY(std::isnan(now_matrix[1][3]) && std::isnan(now_matrix[2][3]));
    for (double v : now_matrix[4]) QVERIFY(v >= 0.0 && v <= 1.0);
    QCOMPARE(now.confusions.size(), size_t(4));
    QCOMPARE(now.confusions.back().counts.size(), size_t(4));
    QVERIFY(json::parse(now.run.summary_json)["ap"].is_number());
    QVERIFY(!store.load_train_points(run, 4).empty());
    QCOMPARE(store.load_train_points(run, 1).size(), size_t(6));  // stage 1 untouched

    QCOMPARE(run_to_end({"extend", "1", "--db", reference_db_}, &errors), 1);
    QVERIFY2(errors.contains("--task NAME"), qPrintable(errors));
  }

  void serve_answers_through_the_routed_expert() {
    QVERIFY2(!reference_db_.isEmpty(), "needs the reference run of the test before");
    QProcess serve;
    serve.start(SY_ENGINE_BIN, {"serve", "--db", reference_db_});
    QVERIFY(serve.waitForStarted(10000));
    serve.write(R"({"id":1,"op":"load","run":2}
{"id":2,"op":"ask","instruction":"Reverse the order of the words.","input":"red green"}
{"id":3,"op":"ask","instruction":"Capitalize every word.","input":"red","adapter":1}
{"id":4,"op":"ask","instruction":"x","adapter":9}
{"id":5,"op":"frob"}
{"op":"quit"}
)");
    serve.closeWriteChannel();
    QVERIFY(serve.waitForFinished(120000));
    QCOMPARE(serve.exitCode(), 0);
    std::vector<json> lines;
    for (const QByteArray& line : serve.readAllStandardOutput().split('\n')) {
      if (!line.trimmed().isEmpty()) lines.push_back(json::parse(line.toStdString()));
    }
    QCOMPARE(lines.size(), size_t(6));
    QVERIFY(lines[0]["ready"].get<bool>());
    QCOMPARE(lines[1]["strategy"].get<std::string>(), std::string("switchcit"));
    QVERIFY(lines[1]["router"].get<bool>());
    QCOMPARE(lines[1]["adapters"].size(), size_t(4));  // extended to four tasks above
    const auto probabilities = lines[2]["probabilities"].get<std::vector<double>>();
    QCOMPARE(probabilities.size(), size_t(4));
    double sum = 0;
    for (double p : probabilities) sum += p;
    QVERIFY(std::abs(sum - 1.0) < 1e-4);
    QCOMPARE(lines[2]["adapter"], lines[2]["routed"]);  // the switch decided
    QVERIFY(lines[2]["answer"].is_string());
    QCOMPARE(lines[3]["adapter"].get<int>(), 1);
    QCOMPARE(lines[3]["id"].get<int>(), 3);
    QVERIFY(!lines[4]["ok"].get<bool>());
    QVERIFY(lines[4]["error"].get<std::string>().find("adapter 9") != std::string::npos);
    QVERIFY(lines[5]["error"].get<std::string>().find("unknown op") != std::string::npos);
  }

  // A learning rate far too high: the loss rises far above where it started (and above a uniform
  // guess over the vocabulary); the run goes on, but says so in an event, a tag and a note.
  void a_rising_loss_warns_and_marks_the_run() {
    const QString file = dir_.filePath("rising.json");
    std::ofstream(file.toStdString()) << R"({
      "name": "rising", "tasks": ["reverse", "capitalize"],
      "data": {"train_examples": 40, "test_examples": 2},
      "training": {"steps": 90, "batch_size": 4, "full_lr": 1.0, "max_grad_norm": 0},
      "strategies": ["seq-ft"], "evaluation": {"max_new_tokens": 4}})";
    const QString path = db("rising.db");
    Engine engine({"run", file, "--quick", "--events", "--db", path});
    QCOMPARE(engine.finish(), 0);
    std::vector<json> warnings;
    for (const json& e : engine.events())
      if (e["type"] == "warning") warnings.push_back(e);
    QCOMPARE(warnings.size(), size_t(1));  // once per run, not once per step
    QCOMPARE(warnings[0]["kind"].get<std::string>(), std::string("loss_rising"));
    QCOMPARE(warnings[0]["run"].get<int64_t>(), int64_t(1));
    const std::string message = warnings[0]["message"];
    QVERIFY2(message.find("\"training.full_lr\" (1)") != std::string::npos, message.c_str());
    QVERIFY2(message.find(file.toStdString()) != std::string::npos, message.c_str());
    QVERIFY(warnings[0]["loss"].get<double>() > 2 * 3.0);

    store::Store store = store::Store::open(path.toStdString());
    const store::RunData data = store.load_run(1);
    QVERIFY(data.run.status == store::RunStatus::Finished);
    QVERIFY(data.run.tags == std::vector<std::string>{store::kDivergedTag});
    QCOMPARE(data.notes.size(), size_t(1));
    QCOMPARE(data.notes[0].text, "warning: " + message);
    // `show` and `list` say so.
    const auto show = test::run_process(SY_ENGINE_BIN, {"show", "1", "--db", path});
    QVERIFY2(show.out.contains("diverged") && show.out.contains("training.full_lr"),
             qPrintable(show.out));
    const auto list = test::run_process(SY_ENGINE_BIN, {"list", "--tag", "diverged", "--db", path});
    QCOMPARE(list.code, 0);
    QVERIFY2(list.out.contains("rising"), qPrintable(list.out));
  }

  // The quick demo at its own learning rate is healthy training: no warning, no `diverged` tag.
  // Its oracle's last-word expert has one noisy step above its start and ln(V) (6.99 -> 7.69);
  // a watch that judged single steps tagged the run.
  void the_quick_demo_does_not_diverge() {
    json experiment = json::parse(std::ifstream(sy::demo_experiment_path()));
    experiment["strategies"] = json::array({"oracle"});
    const QString file = dir_.filePath("demo-oracle.json");
    std::ofstream(file.toStdString()) << experiment.dump();
    const QString path = db("demo-oracle.db");
    Engine engine({"run", file, "--quick", "--events", "--db", path});
    QCOMPARE(engine.finish(), 0);
    int steps = 0;
    for (const json& e : engine.events()) {
      QVERIFY2(e["type"] != "warning", e.dump().c_str());
      if (e["type"] == "train_step") ++steps;
    }
    QCOMPARE(steps, 100);  // five experts of 20 quick steps: the watch saw them all
    store::Store store = store::Store::open(path.toStdString());
    QVERIFY(store.load_run(1).run.tags.empty());
  }

  // A loss that is NaN stops the run at once: failed, with the reason, the tag and the warning.
  // (A base model with a NaN weight gives one at the first step, before any update.)
  void a_non_finite_loss_stops_the_run() {
    const QString model = dir_.filePath("nan-model");
    {
      LoadedModel base = load_model(builtin_model_dir());
      torch::NoGradGuard no_grad;
      base.model->base_parameters().front().second.view(-1)[0] = NAN;
      save_model(model.toStdString(), base.model, builtin_model_dir());
    }
    const QString file = dir_.filePath("nan.json");
    json experiment = json::parse(R"({
      "name": "nan", "tasks": ["reverse", "capitalize"],
      "data": {"train_examples": 40, "test_examples": 2},
      "training": {"steps": 90, "batch_size": 4}, "strategies": ["seq-lora", "seq-ft"],
      "evaluation": {"max_new_tokens": 2}})");
    experiment["base_model"] = model.toStdString();
    std::ofstream(file.toStdString()) << experiment.dump();
    const QString path = db("nan.db");
    Engine engine({"run", file, "--quick", "--events", "--db", path});
    QCOMPARE(engine.finish(), 1);
    const QString errors = engine.errors();
    QVERIFY2(errors.contains("error: training diverged in seq-lora (seed 0), stage 1 (seq-lora "
                             "reverse), step 1 of 6: the loss is NaN"),
             qPrintable(errors));
    int steps = 0;
    std::vector<std::string> types;
    for (const json& e : engine.events()) {
      if (e["type"] == "train_step") ++steps;
      if (e["type"] == "warning" || e["type"].get<std::string>().rfind("run_", 0) == 0) {
        types.push_back(e["type"]);
      }
    }
    QCOMPARE(steps, 1);  // not one step more
    QCOMPARE(types, (std::vector<std::string>{"run_started", "warning", "run_failed"}));
    store::Store store = store::Store::open(path.toStdString());
    const auto runs = store.list_runs();
    QCOMPARE(runs.size(), size_t(1));
    QVERIFY(runs[0].status == store::RunStatus::Failed);
    QVERIFY(runs[0].status_reason.find("the loss is NaN") != std::string::npos);
    QVERIFY(runs[0].tags == std::vector<std::string>{store::kDivergedTag});
    const auto points = store.load_train_points(runs[0].id);
    QCOMPARE(points.size(), size_t(1));
    QVERIFY(std::isnan(points[0].loss));
  }

  // The disk fills while a stage's adapter is stored (seq-lora), or its experts and switch
  // (switchcit): one clear error naming what could not be stored, the run marked failed with it,
  // and the database whole.
  void a_full_disk_fails_the_run_clearly_data() {
    QTest::addColumn<QString>("strategy");
    QTest::newRow("adapter saving") << "seq-lora";
    QTest::newRow("switch training") << "switchcit";
  }
  void a_full_disk_fails_the_run_clearly() {
    QFETCH(QString, strategy);
    const QString file = dir_.filePath("full-" + strategy + ".json");
    json experiment = json::parse(R"({"name": "full", "tasks": ["reverse", "capitalize"],
          "data": {"train_examples": 40, "test_examples": 2}, "training": {"batch_size": 4},
          "evaluation": {"max_new_tokens": 2}})");
    experiment["strategies"] = json::array({strategy.toStdString()});
    std::ofstream(file.toStdString()) << experiment.dump();
    // Room for the new database and the first stage's points and scores, not for an adapter
    // (65,536 FP32 parameters: 256 KiB).
    SmallDisk disk(dir_.filePath("small-" + strategy), 400);
    const QString path = dir_.filePath("small-" + strategy + "/full.db");
    const auto [program, args] = disk.engine({"run", file, "--quick", "--db", path});
    const test::ProcessResult r = test::run_process(program, args);
    QCOMPARE(r.code, 1);
    const QStringList lines = r.err.trimmed().split('\n');
    const QString error = lines.last();
    QVERIFY2(error.startsWith("error: Could not store the adapter of run 1, task 0 in " + path),
             qPrintable(r.err.right(1000)));
    QVERIFY2(error.contains(disk.mounted() ? "the disk is full" : "largest size"),
             qPrintable(error));
    QCOMPARE(r.err.count("error:"), 1);

    store::Store store = store::Store::open(path.toStdString());
    QCOMPARE(store.check_integrity(), std::string("ok"));
    const auto runs = store.list_runs();
    QCOMPARE(runs.size(), size_t(1));
    QVERIFY(runs[0].status == store::RunStatus::Failed);
    QCOMPARE(QString::fromStdString("error: " + runs[0].status_reason), error);
    QVERIFY(!store.load_run(1).scores.empty());  // what came before is kept
  }

  // A read-only database (its file system mounted read-only as root; else the file and folder
  // without write permission) is refused by run, resume and resume --experiment before anything
  // runs, and left as it was. (Linux refuses to remount a file system read-only while the engine
  // holds the database open for writing, and an open file keeps its write access, so a database
  // cannot turn read-only under a running engine; the full disk above is the fault that can.)
  void a_read_only_database_is_refused_and_left_alone() {
    QVERIFY2(!reference_db_.isEmpty(), "needs the reference run of the test before");
    SmallDisk disk(dir_.filePath("read-only"), 64 * 1024);
    if (!disk.mounted() && geteuid() == 0) {
      QSKIP("root ignores permission bits, and no tmpfs could be mounted read-only here");
    }
    const QString path = dir_.filePath("read-only/ro.db");
    QVERIFY(QFile::copy(reference_db_, path));
    {
      store::Database raw(path.toStdString(), SQLITE_OPEN_READWRITE);
      raw.exec("UPDATE runs SET status = 'interrupted' WHERE id = 2");
    }
    const std::string before = read_text(path.toStdString());
    if (disk.mounted()) {
      QVERIFY(disk.set_read_only(true));
    } else {
      QFile::setPermissions(path, QFile::ReadOwner);
      QFile::setPermissions(dir_.filePath("read-only"), QFile::ReadOwner | QFile::ExeOwner);
    }
    for (const QStringList& command :
         {QStringList{"run", experiment_, "--quick"}, QStringList{"resume", "2"},
          QStringList{"resume", "--experiment", "1"}}) {
      const auto r = test::run_process(SY_ENGINE_BIN, command + QStringList{"--db", path});
      QCOMPARE(r.code, 1);
      QVERIFY2(r.err.startsWith("error: Cannot write to the database " + path), qPrintable(r.err));
      QCOMPARE(r.err.count('\n'), 1);
    }
    if (disk.mounted()) {
      QVERIFY(disk.set_read_only(false));
    } else {
      QFile::setPermissions(dir_.filePath("read-only"),
                            QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
      QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    }
    QVERIFY(read_text(path.toStdString()) == before);
  }

  // Stored bytes that no longer match their SHA-256 are refused by name, and nothing is written.
  void damaged_adapters_and_checkpoints_are_refused_by_name() {
    QVERIFY2(!reference_db_.isEmpty(), "needs the reference run of the test before");
    const QString path = db("damaged-bytes.db");
    QFile::copy(reference_db_, path);
    {
      store::Database raw(path.toStdString(), SQLITE_OPEN_READWRITE);
      raw.exec(
          "UPDATE adapters SET safetensors = zeroblob(length(safetensors)) "
          "WHERE run_id = 2 AND position = 1");
      raw.exec("UPDATE run_checkpoints SET state = zeroblob(length(state)) WHERE run_id = 1");
      raw.exec("UPDATE runs SET status = 'interrupted' WHERE id = 1");
    }
    const QString out = dir_.filePath("damaged-adapter");
    auto r =
        test::run_process(SY_ENGINE_BIN, {"export-adapter", "2", "capitalize", out, "--db", path});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("is damaged: the adapter of run 2, task 1 has"), qPrintable(r.err));
    QVERIFY(!QFileInfo::exists(out + "/adapter_model.safetensors"));
    r = test::run_process(SY_ENGINE_BIN, {"resume", "1", "--db", path});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("is damaged: the checkpoint of run 1 after stage 3 does not match "
                            "its stored SHA-256"),
             qPrintable(r.err));
    store::Store store = store::Store::open(path.toStdString());
    QVERIFY(store.load_run(1).run.status == store::RunStatus::Interrupted);  // left as it was
  }

  // A sequence of 100 tasks (JSONL, two examples each) runs end to end: 100 columns in the
  // events, the store and the summary. multitask keeps it to one stage (two score rows); a
  // sequential strategy scores 101 x 100 cells, which the lead's note measures.
  void a_sequence_of_100_tasks_runs_end_to_end() {
    const QString folder = dir_.filePath("hundred");
    QDir().mkpath(folder);
    json experiment = json::parse(R"({"name": "hundred", "data": {"test_examples": 1},
      "training": {"steps": 1, "batch_size": 2}, "strategies": ["multitask"],
      "evaluation": {"max_new_tokens": 2}})");
    experiment["tasks"] = json::array();
    for (int i = 0; i < 100; ++i) {
      const std::string name = "t" + std::to_string(100 + i).substr(1);
      std::ofstream jsonl((folder + "/" + QString::fromStdString(name) + ".jsonl").toStdString());
      for (int k = 0; k < 2; ++k) {
        jsonl << json{{"instruction", "Say " + std::to_string(i) + "."},
                      {"input", std::to_string(k)},
                      {"output", std::to_string(i) + " " + std::to_string(k)}}
                     .dump()
              << "\n";
      }
      experiment["tasks"].push_back({{"name", name}, {"jsonl", name + ".jsonl"}});
    }
    const QString file = folder + "/hundred.json";
    std::ofstream(file.toStdString()) << experiment.dump();
    const QString path = db("hundred.db");
    Engine engine({"run", file, "--events", "--db", path});
    QCOMPARE(engine.finish(), 0);
    size_t steps = 0;
    for (const json& e : engine.events()) {
      if (e["type"] == "train_step") ++steps;
      if (e["type"] == "evaluation") QCOMPARE(e["scores"].size(), size_t(100));
    }
    QCOMPARE(steps, size_t(100));  // steps per task x tasks, in one stage
    store::Store store = store::Store::open(path.toStdString());
    const store::RunData data = store.load_run(1);
    QVERIFY(data.run.status == store::RunStatus::Finished);
    QCOMPARE(data.tasks.size(), size_t(100));
    QCOMPARE(data.tasks[99].name, std::string("t99"));
    const std::vector<std::vector<double>> matrix = store::score_matrix(data);
    QCOMPARE(matrix.size(), size_t(2));
    QCOMPARE(matrix[1].size(), size_t(100));
    QCOMPARE(store.check_integrity(), std::string("ok"));
  }

  // A task asked for with no examples to train on or to score is one error line naming the
  // option and the range, before anything is loaded or trained.
  void a_task_with_zero_examples_is_refused() {
    for (const QString option : {"--train-examples", "--test-examples"}) {
      const auto r = test::run_process(SY_ENGINE_BIN,
                                       {"train", "--task", "reverse", option, "0", "--steps", "1"});
      QCOMPARE(r.code, 1);
      QVERIFY2(r.err.startsWith("error: " + option + " is 0; expected 1 to"), qPrintable(r.err));
      QCOMPARE(r.err.count('\n'), 1);
    }
  }

  void sigterm_ends_a_command_that_does_not_cancel() {
    // serve waits on its input and never asks for the cancel flag: SIGTERM ends it the default
    // way, as before the engine took signals on a thread of its own.
    Engine engine({"serve", "--db", db("serve-sigterm.db")});
    QVERIFY(engine.until([](const json& e) { return e.contains("ready"); }));
    engine.signal(SIGTERM);
    QCOMPARE(engine.finish(), -1);  // ended by the signal, not by an exit code
  }

  void sigterm_cancels_between_steps() {
    // At several points: after the first to fourth step, at once or while a step runs. A signal
    // that interrupted a thread mid-kernel used to corrupt the heap in ~5 % of cancels on a CPU
    // with AVX-512 and AMX (the engine now takes signals on a thread of their own).
    for (int attempt = 0; attempt < 12; ++attempt) {
      const QString path = db(QStringLiteral("cancelled-%1.db").arg(attempt));
      Engine engine({"run", experiment_, "--quick", "--events", "--db", path});
      for (int steps = 0; steps <= attempt % 4; ++steps) {
        QVERIFY(engine.until([](const json& e) { return e["type"] == "train_step"; }));
      }
      QThread::msleep(static_cast<unsigned long>(attempt * 7 % 40));
      engine.signal(SIGTERM);
      QVERIFY2(engine.finish() == 130,
               qPrintable(
                   QStringLiteral("attempt %1: %2").arg(attempt).arg(engine.errors().right(300))));
      const json last_run_event = [&] {
        json found;
        for (const json& e : engine.events())
          if (e.contains("run")) found = e;
        return found;
      }();
      QCOMPARE(last_run_event["type"].get<std::string>(), std::string("run_cancelled"));
      store::Store store = store::Store::open(path.toStdString());
      QCOMPARE(store.check_integrity(), std::string("ok"));
      const auto runs = store.list_runs();
      QCOMPARE(runs.size(), size_t(1));
      QVERIFY(runs[0].status == store::RunStatus::Cancelled);
      QVERIFY(!runs[0].status_reason.empty());
    }
  }
};

QTEST_GUILESS_MAIN(TestEngineProcess)
#include "test_engine_process.moc"
