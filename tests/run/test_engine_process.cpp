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

#include <QProcess>
#include <QTemporaryDir>
#include <nlohmann/json.hpp>

#include "engine/model/tensor_io.h"
#include "engine/run/event_stream.h"
#include "storage/store.h"

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
  o.matrix = data.score_matrix;
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
        QCOMPARE(interrupted.score_matrix[static_cast<size_t>(row)],
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
    QCOMPARE(now.score_matrix.size(), size_t(5));
    for (size_t i = 0; i < 4; ++i) {
      for (size_t j = 0; j < 3; ++j) QCOMPARE(now.score_matrix[i][j], old.score_matrix[i][j]);
    }
    QVERIFY(!std::isnan(now.score_matrix[0][3]) && !std::isnan(now.score_matrix[3][3]));
    QVERIFY(std::isnan(now.score_matrix[1][3]) && std::isnan(now.score_matrix[2][3]));
    for (double v : now.score_matrix[4]) QVERIFY(v >= 0.0 && v <= 1.0);
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
