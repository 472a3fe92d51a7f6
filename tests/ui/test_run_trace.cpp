// RunTrace: built from the store and grown from engine events, the two must give the same
// picture (docs/events.md). The key case runs the real engine on a tiny experiment and compares
// the traces replayed from its event stream with what its database holds; the others pin the
// edge cases (NaN cells, empty summary, a resumed stage's leftovers, events that change nothing)
// with hand-made data.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>

#include "storage/store.h"
#include "ui/run_trace.h"

using sy::ui::RunTrace;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

bool same_optional(const std::optional<double>& a, const std::optional<double>& b) {
  return a.has_value() == b.has_value() && (!a || same_double(*a, *b));
}

QString describe(const std::optional<double>& v) {
  return v ? QString::number(*v, 'g', 17) : QStringLiteral("null");
}

// Field by field, exact (NaN equals NaN): both paths read the same doubles, so any difference is
// a bug, not rounding. QCOMPARE returns from here; callers check QTest::currentTestFailed().
void compare_traces(const RunTrace& live, const RunTrace& stored, bool same_clock = true) {
  QCOMPARE(live.id, stored.id);
  QCOMPARE(live.key, stored.key);
  QCOMPARE(live.experiment, stored.experiment);
  QCOMPARE(live.strategy, stored.strategy);
  QCOMPARE(live.label, stored.label);
  QCOMPARE(live.seed, stored.seed);
  QCOMPARE(live.status, stored.status);
  QCOMPARE(live.reason, stored.reason);
  QCOMPARE(live.tasks, stored.tasks);
  QCOMPARE(live.stages, stored.stages);
  QCOMPARE(live.stages_finished, stored.stages_finished);

  QCOMPARE(live.points.size(), stored.points.size());
  for (int i = 0; i < live.points.size(); ++i) {
    const auto& a = live.points[i];
    const auto& b = stored.points[i];
    const QByteArray where = QByteArray("point ") + QByteArray::number(i);
    QVERIFY2(a.stage == b.stage && a.step == b.step, where.constData());
    QVERIFY2(same_double(a.loss, b.loss), where.constData());
    QVERIFY2(same_double(a.lr, b.lr), where.constData());
    QVERIFY2(same_double(a.tokens_per_s, b.tokens_per_s), where.constData());
    // The x of the wall-time axis: the event's time_ms, the stored point's time. A real engine
    // reads its clock once for the event and once for the record: both must be there.
    if (same_clock)
      QVERIFY2(a.at_ms == b.at_ms, where.constData());
    else
      QVERIFY2(a.at_ms > 0 && b.at_ms > 0, where.constData());
  }

  QCOMPARE(live.scores.size(), stored.scores.size());
  for (int r = 0; r < live.scores.size(); ++r) {
    QCOMPARE(live.scores[r].size(), stored.scores[r].size());
    for (int c = 0; c < live.scores[r].size(); ++c) {
      const QByteArray where = QStringLiteral("score R[%1][%2]: %3 vs %4")
                                   .arg(r)
                                   .arg(c)
                                   .arg(live.scores[r][c], 0, 'g', 17)
                                   .arg(stored.scores[r][c], 0, 'g', 17)
                                   .toUtf8();
      QVERIFY2(same_double(live.scores[r][c], stored.scores[r][c]), where.constData());
    }
  }

  QCOMPARE(live.confusions, stored.confusions);

  const std::pair<const char*, std::pair<std::optional<double>, std::optional<double>>> metrics[] =
      {{"ap", {live.summary.ap, stored.summary.ap}},
       {"forgetting", {live.summary.forgetting, stored.summary.forgetting}},
       {"bwt", {live.summary.bwt, stored.summary.bwt}},
       {"fwt", {live.summary.fwt, stored.summary.fwt}},
       {"router_accuracy", {live.summary.router_accuracy, stored.summary.router_accuracy}}};
  for (const auto& [name, values] : metrics) {
    const QByteArray where =
        QStringLiteral("summary %1: %2 vs %3")
            .arg(QLatin1String(name), describe(values.first), describe(values.second))
            .toUtf8();
    QVERIFY2(same_optional(values.first, values.second), where.constData());
  }
}

// --- hand-made events, shaped like the engine's (docs/events.md) ---

QJsonObject make_event(const char* type, int64_t run, QJsonObject fields) {
  fields.insert("type", QLatin1String(type));
  if (!fields.contains("time_ms")) fields.insert("time_ms", 1795928540600.0);
  fields.insert("run", static_cast<qint64>(run));
  return fields;
}

QJsonObject run_started(int64_t run, const QStringList& tasks, const char* strategy) {
  return make_event("run_started", run,
                    {{"key", QStringLiteral("demo/%1/seed3").arg(QLatin1String(strategy))},
                     {"experiment", "demo"},
                     {"strategy", QLatin1String(strategy)},
                     {"label", QLatin1String(strategy)},
                     {"seed", 3},
                     {"tasks", QJsonArray::fromStringList(tasks)},
                     {"metrics", QJsonArray{"exact", "exact"}},
                     {"stages", static_cast<int>(tasks.size())},
                     {"first_stage", 1},
                     {"device", "cpu"}});
}

QJsonObject stage_started(int64_t run, int stage) {
  return make_event("stage_started", run, {{"stage", stage}, {"task", "t"}});
}

// When a test's step was taken: the event's time_ms, which the recorder stores as the point's.
qint64 step_time_ms(int stage, int step) {
  return 1'765'000'000'000 + 60'000 * stage + 1000 * step;
}

QJsonObject train_step(int64_t run, int stage, int step, double loss) {
  return make_event("train_step", run,
                    {{"stage", stage},
                     {"what", "expert"},
                     {"step", step},
                     {"steps", 2},
                     {"loss", loss},
                     {"lr", 0.002 * step},
                     {"tokens_per_s", 100.5 * step},
                     {"time_ms", step_time_ms(stage, step)}});
}

QJsonObject evaluation(int64_t run, int after_stage, const QVector<double>& values) {
  QJsonArray scores;
  for (int j = 0; j < values.size(); ++j) {
    // The engine writes an unscored (NaN) cell as null.
    const QJsonValue value = std::isnan(values[j]) ? QJsonValue() : QJsonValue(values[j]);
    scores.append(
        QJsonObject{{"position", j}, {"task", "t"}, {"metric", "exact"}, {"value", value}});
  }
  return make_event("evaluation", run, {{"after_stage", after_stage}, {"scores", scores}});
}

QJsonObject router(int64_t run, int after_stage, const QVector<QVector<int64_t>>& counts,
                   const QStringList& labels) {
  QJsonArray rows;
  for (const auto& row : counts) {
    QJsonArray r;
    for (int64_t n : row) r.append(static_cast<qint64>(n));
    rows.append(r);
  }
  return make_event("router", run,
                    {{"after_stage", after_stage},
                     {"labels", QJsonArray::fromStringList(labels)},
                     {"counts", rows},
                     {"accuracy", 0.5}});
}

QJsonObject stage_finished(int64_t run, int stage, int stages) {
  return make_event("stage_finished", run, {{"stage", stage}, {"stages", stages}});
}

}  // namespace

class TestRunTrace : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void fromStoreKeepsNanAndEmptySummary();
  void fromStoreReadsSummaryNulls();
  void stageStartedDropsLeftovers();
  void storeAndEventsAgreeAfterResumedStage();
  void evaluationGrowsRowsWithNan();
  void nullLossIsNan();
  void cancelledAndFailedKeepReason();
  void eventsThatChangeNothing();
  void damagedEventsAreBounded();
  void realEngineEventsMatchStore();
};

void TestRunTrace::fromStoreKeepsNanAndEmptySummary() {
  sy::store::RunData data;
  data.run.id = 12;
  data.run.experiment_name = "exp";
  data.run.strategy = "multitask";
  data.run.label = "joint";
  data.run.seed = 4;
  data.run.status = sy::store::RunStatus::Interrupted;
  data.run.status_reason = "killed";
  data.run.task_count = 3;
  data.run.last_finished_stage = 0;
  data.tasks = {{"a", "exact"}, {"b", "exact"}, {"c", "rouge1"}};
  data.scores = {{0, 0, "exact", 0.1}, {0, 2, "rouge1", 0.3}};  // nothing stored for b
  data.run.summary_json = "";
  const RunTrace t = sy::ui::trace_from_store(data, {{1, 1, kNaN, 0.01, 5.0}, {1, 2, 0.5, 0, 6}});

  QCOMPARE(t.id, int64_t{12});
  QCOMPARE(t.key, QStringLiteral("exp/joint/seed4"));
  QCOMPARE(t.status, QStringLiteral("interrupted"));
  QCOMPARE(t.reason, QStringLiteral("killed"));
  QCOMPARE(t.tasks, (QStringList{"a", "b", "c"}));
  QCOMPARE(t.stages, 1);  // multitask: one stage on all tasks
  QCOMPARE(t.scores.size(), 1);
  QCOMPARE(t.scores[0].size(), 3);
  QCOMPARE(t.scores[0][0], 0.1);
  QVERIFY(std::isnan(t.scores[0][1]));
  QCOMPARE(t.scores[0][2], 0.3);
  QCOMPARE(t.points.size(), 2);
  QVERIFY(std::isnan(t.points[0].loss));
  QCOMPARE(t.points[1].step, int64_t{2});
  QVERIFY(!t.summary.ap && !t.summary.forgetting && !t.summary.bwt && !t.summary.fwt &&
          !t.summary.router_accuracy);
  QVERIFY(t.confusions.isEmpty());
}

void TestRunTrace::fromStoreReadsSummaryNulls() {
  sy::store::RunData data;
  data.run.strategy = "switchcit";
  data.run.label = "switchcit";
  data.run.task_count = 2;
  data.run.last_finished_stage = 2;
  data.run.status = sy::store::RunStatus::Finished;
  data.run.summary_json =
      R"({"ap":0.75,"forgetting":null,"bwt":-0.125,"fwt":null,"router_accuracy":1.0})";
  data.confusions = {{1, {"a"}, {{6}}}, {2, {"a", "b"}, {{5, 1}, {3, 3}}}};
  const RunTrace t = sy::ui::trace_from_store(data, {});
  QCOMPARE(t.stages, 2);
  QCOMPARE(t.stages_finished, 2);
  QCOMPARE(t.status, QStringLiteral("finished"));
  QCOMPARE(t.summary.ap, std::optional<double>(0.75));
  QVERIFY(!t.summary.forgetting);
  QCOMPARE(t.summary.bwt, std::optional<double>(-0.125));
  QVERIFY(!t.summary.fwt);
  QCOMPARE(t.summary.router_accuracy, std::optional<double>(1.0));
  QCOMPARE(t.confusions.size(), 2);
  QVERIFY(!t.quick);  // no settings stored: not a quick check
  data.run.summary_json.clear();
  data.config_json = R"({"quick":true,"strategy":{"name":"switchcit"}})";
  QVERIFY(sy::ui::trace_from_store(data, {}).quick);
  QCOMPARE(t.confusions[2], (QVector<QVector<int64_t>>{{5, 1}, {3, 3}}));
}

void TestRunTrace::stageStartedDropsLeftovers() {
  const QStringList tasks{"a", "b", "c"};
  RunTrace t;
  QVERIFY(sy::ui::apply_event(t, run_started(5, tasks, "switchcit")));
  QCOMPARE(t.id, int64_t{5});
  QCOMPARE(t.status, QStringLiteral("running"));
  QCOMPARE(t.key, QStringLiteral("demo/switchcit/seed3"));
  QCOMPARE(t.stages, 3);
  QVERIFY(sy::ui::apply_event(t, evaluation(5, 0, {0, 0, 0})));
  for (int stage = 1; stage <= 2; ++stage) {
    QVERIFY(sy::ui::apply_event(t, stage_started(5, stage)));
    QVERIFY(sy::ui::apply_event(t, train_step(5, stage, 1, 1.5)));
    QVERIFY(sy::ui::apply_event(t, train_step(5, stage, 2, 1.25)));
    QVERIFY(sy::ui::apply_event(t, evaluation(5, stage, {0.5, 0.25, 0})));
    QVERIFY(sy::ui::apply_event(t, router(5, stage,
                                          stage == 1 ? QVector<QVector<int64_t>>{{4}}
                                                     : QVector<QVector<int64_t>>{{4, 0}, {1, 3}},
                                          tasks.mid(0, stage))));
    QVERIFY(sy::ui::apply_event(t, stage_finished(5, stage, 3)));
  }
  QCOMPARE(t.points.size(), 4);
  QCOMPARE(t.scores.size(), 3);
  QCOMPARE(t.confusions.size(), 2);
  QCOMPARE(t.stages_finished, 2);

  // A resume at stage 2: stage 2's points, row 2 and confusion 2 go; stage 1's stay.
  QVERIFY(sy::ui::apply_event(t, stage_started(5, 2)));
  QCOMPARE(t.points.size(), 2);
  for (const auto& p : t.points) QCOMPARE(p.stage, 1);
  QCOMPARE(t.scores.size(), 2);
  QCOMPARE(t.confusions.keys(), QList<int>{1});
  QCOMPARE(t.stages_finished, 1);

  // A resume at stage 1 keeps only the base row.
  QVERIFY(sy::ui::apply_event(t, stage_started(5, 1)));
  QVERIFY(t.points.isEmpty());
  QCOMPARE(t.scores.size(), 1);
  QVERIFY(t.confusions.isEmpty());
  QCOMPARE(t.stages_finished, 0);
}

// The same leftovers through the real store: begin_stage on a stage that was already recorded
// and the stage_started event must leave the same picture.
void TestRunTrace::storeAndEventsAgreeAfterResumedStage() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  auto store = sy::store::Store::open(dir.filePath("resume.db").toStdString());
  const int64_t experiment = store.create_experiment("demo", "{}");
  sy::store::NewRun n;
  n.experiment_id = experiment;
  n.strategy = "switchcit";
  n.label = "switchcit";
  n.seed = 3;
  n.device = "cpu";
  const int64_t id = store.create_run(n);
  const QStringList tasks{"a", "b", "c"};
  store.set_run_tasks(id, {{"a", "exact"}, {"b", "exact"}, {"c", "exact"}});
  store.set_run_status(id, sy::store::RunStatus::Running);

  RunTrace t;
  QVERIFY(sy::ui::apply_event(t, run_started(id, tasks, "switchcit")));
  const auto row = [&](int after_stage, const QVector<double>& values) {
    std::vector<sy::store::Score> scores;
    for (int j = 0; j < values.size(); ++j) scores.push_back({j, "exact", values[j]});
    store.put_scores(id, after_stage, scores);
    QVERIFY(sy::ui::apply_event(t, evaluation(id, after_stage, values)));
  };
  row(0, {0, 0.125, 0});
  for (int stage = 1; stage <= 2; ++stage) {
    store.begin_stage(id, stage);
    QVERIFY(sy::ui::apply_event(t, stage_started(id, stage)));
    store.append_train_points(id, {{stage, 1, 1.5, 0.002, 100.5, step_time_ms(stage, 1)},
                                   {stage, 2, 1.25, 0.004, 201, step_time_ms(stage, 2)}});
    QVERIFY(sy::ui::apply_event(t, train_step(id, stage, 1, 1.5)));
    QVERIFY(sy::ui::apply_event(t, train_step(id, stage, 2, 1.25)));
    row(stage, {0.5, 0.25 * stage, 0.0625});
    const QVector<QVector<int64_t>> counts =
        stage == 1 ? QVector<QVector<int64_t>>{{4}} : QVector<QVector<int64_t>>{{4, 0}, {1, 3}};
    sy::store::Confusion c;
    c.after_stage = stage;
    for (int i = 0; i < stage; ++i) c.labels.push_back(tasks[i].toStdString());
    for (const auto& r : counts) c.counts.emplace_back(r.begin(), r.end());
    store.put_confusion(id, c);
    QVERIFY(sy::ui::apply_event(t, router(id, stage, counts, tasks.mid(0, stage))));
    store.finish_stage(id, stage);
    QVERIFY(sy::ui::apply_event(t, stage_finished(id, stage, 3)));
  }
  compare_traces(t, sy::ui::trace_from_store(store.load_run(id), store.load_train_points(id)));
  if (QTest::currentTestFailed()) return;

  store.begin_stage(id, 2);
  QVERIFY(sy::ui::apply_event(t, stage_started(id, 2)));
  compare_traces(t, sy::ui::trace_from_store(store.load_run(id), store.load_train_points(id)));
}

void TestRunTrace::evaluationGrowsRowsWithNan() {
  RunTrace t;
  QVERIFY(sy::ui::apply_event(t, run_started(1, {"a", "b"}, "seq-ft")));
  QVERIFY(sy::ui::apply_event(t, evaluation(1, 2, {0.5, kNaN})));
  QCOMPARE(t.scores.size(), 3);
  for (int r = 0; r < 2; ++r) {
    QCOMPARE(t.scores[r].size(), 2);
    QVERIFY(std::isnan(t.scores[r][0]) && std::isnan(t.scores[r][1]));
  }
  QCOMPARE(t.scores[2][0], 0.5);
  QVERIFY(std::isnan(t.scores[2][1]));
  // A later row 0 fills in its place.
  QVERIFY(sy::ui::apply_event(t, evaluation(1, 0, {0.25, 0.125})));
  QCOMPARE(t.scores.size(), 3);
  QCOMPARE(t.scores[0], (QVector<double>{0.25, 0.125}));
}

void TestRunTrace::nullLossIsNan() {
  RunTrace t;
  QJsonObject step = train_step(1, 1, 1, 0);
  step.insert("loss", QJsonValue());  // a diverged loss: NaN, written as null
  QVERIFY(sy::ui::apply_event(t, step));
  QCOMPARE(t.points.size(), 1);
  QVERIFY(std::isnan(t.points[0].loss));
  QCOMPARE(t.points[0].lr, 0.002);

  QVERIFY(sy::ui::apply_event(
      t, make_event("progress", 1,
                    {{"fraction", 0.25}, {"eta_s", QJsonValue()}, {"tokens_per_s", 9}})));
  QCOMPARE(t.progress, 0.25);
  QVERIFY(!t.eta_s);
  QCOMPARE(t.tokens_per_s, 9.0);
  QVERIFY(sy::ui::apply_event(
      t, make_event("progress", 1, {{"fraction", 0.5}, {"eta_s", 12.5}, {"tokens_per_s", 10}})));
  QCOMPARE(t.eta_s, std::optional<double>(12.5));
}

void TestRunTrace::cancelledAndFailedKeepReason() {
  RunTrace t;
  QVERIFY(sy::ui::apply_event(t, run_started(2, {"a"}, "seq-ft")));
  QVERIFY(sy::ui::apply_event(
      t, make_event("run_cancelled", 2, {{"seconds", 1.0}, {"reason", "SIGINT"}})));
  QCOMPARE(t.status, QStringLiteral("cancelled"));
  QCOMPARE(t.reason, QStringLiteral("SIGINT"));
  // A resume starts the run again and clears the old reason.
  QVERIFY(sy::ui::apply_event(t, run_started(2, {"a"}, "seq-ft")));
  QCOMPARE(t.status, QStringLiteral("running"));
  QVERIFY(t.reason.isEmpty());
  QVERIFY(
      sy::ui::apply_event(t, make_event("run_failed", 2, {{"seconds", 1.0}, {"reason", "boom"}})));
  QCOMPARE(t.status, QStringLiteral("failed"));
  QCOMPARE(t.reason, QStringLiteral("boom"));
  QVERIFY(sy::ui::apply_event(
      t, make_event("run_finished", 2,
                    {{"seconds", 2.0},
                     {"summary", QJsonObject{{"ap", 0.5},
                                             {"forgetting", QJsonValue()},
                                             {"bwt", QJsonValue()},
                                             {"fwt", 0.25},
                                             {"router_accuracy", QJsonValue()}}}})));
  QCOMPARE(t.status, QStringLiteral("finished"));
  QVERIFY(t.reason.isEmpty());
  QCOMPARE(t.summary.ap, std::optional<double>(0.5));
  QVERIFY(!t.summary.forgetting && !t.summary.bwt && !t.summary.router_accuracy);
  QCOMPARE(t.summary.fwt, std::optional<double>(0.25));
}

void TestRunTrace::eventsThatChangeNothing() {
  RunTrace t;
  QVERIFY(sy::ui::apply_event(t, run_started(3, {"a", "b"}, "seq-lora")));
  QVERIFY(sy::ui::apply_event(t, evaluation(3, 0, {0, 0})));
  const RunTrace before = t;
  QVERIFY(!sy::ui::apply_event(t, make_event("no_such_event", 3, {{"stage", 1}})));
  QVERIFY(!sy::ui::apply_event(t, QJsonObject{}));
  QVERIFY(!sy::ui::apply_event(
      t, make_event(
             "adapter_saved", 3,
             {{"position", 0}, {"task", "a"}, {"parameters", 10}, {"bytes", 20}, {"sha256", ""}})));
  QVERIFY(
      !sy::ui::apply_event(t, QJsonObject{{"type", "experiment_started"}, {"experiment", "x"}}));
  QVERIFY(!sy::ui::apply_event(t, QJsonObject{{"type", "experiment_finished"}, {"seconds", 1}}));
  compare_traces(t, before);
}

// A damaged or hostile event line neither sizes a huge table nor wraps a position around int:
// positions past kMaxTraceTasks are skipped, and a line that is not one JSON object is no event.
void TestRunTrace::damagedEventsAreBounded() {
  RunTrace t;
  QVERIFY(sy::ui::apply_event(t, run_started(3, {"a", "b"}, "seq-lora")));
  QVERIFY(sy::ui::apply_event(t, evaluation(3, 0, {0.5, 0.25})));
  const RunTrace before = t;
  QVERIFY(!sy::ui::apply_event(t, make_event("evaluation", 3, {{"after_stage", 2147483647}})));
  QVERIFY(!sy::ui::apply_event(t, make_event("evaluation", 3, {{"after_stage", 4294967296.0}})));
  QVERIFY(!sy::ui::apply_event(t, make_event("stage_started", 3, {{"stage", -5}})));
  QVERIFY(!sy::ui::apply_event(t, make_event("router", 3, {{"after_stage", 1e12}})));
  compare_traces(t, before);
  // A cell far to the right is skipped; the row still comes.
  QVERIFY(sy::ui::apply_event(
      t, make_event("evaluation", 3,
                    {{"after_stage", 1},
                     {"scores", QJsonArray{QJsonObject{{"position", 1e9}, {"value", 1.0}},
                                           QJsonObject{{"position", 1}, {"value", 0.75}}}}})));
  QCOMPARE(t.scores.size(), 2);
  QCOMPARE(t.scores[1].size(), 2);
  QCOMPARE(t.scores[1][1], 0.75);

  QVERIFY(!sy::ui::event_from_line("{\"type\": \"train_st"));
  QVERIFY(!sy::ui::event_from_line("[1, 2]"));
  QVERIFY(!sy::ui::event_from_line("   "));
  QCOMPARE(sy::ui::event_from_line("{\"type\": \"progress\"}")->value("type").toString(),
           QStringLiteral("progress"));
}

// The real engine on a tiny experiment: the traces replayed from its events equal the traces
// loaded from the database it wrote.
void TestRunTrace::realEngineEventsMatchStore() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString experiment_file = dir.filePath("t.json");
  {
    QFile f(experiment_file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name":"t","tasks":["reverse","capitalize"],)"
            R"("data":{"train_examples":100,"test_examples":6},)"
            R"("training":{"steps":75,"batch_size":8,"precision":"fp32"},)"
            R"("strategies":["seq-lora","switchcit"],"evaluation":{"max_new_tokens":12}})");
  }
  const QString db_path = dir.filePath("t.db");

  // SWITCHYARD_ENGINE lets a test build skip compiling the engine and use one built elsewhere.
  const QString engine = qEnvironmentVariable("SWITCHYARD_ENGINE", QStringLiteral(SY_ENGINE_BIN));
  QProcess process;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("OMP_WAIT_POLICY", "PASSIVE");  // share the cores politely with the test runner
  process.setProcessEnvironment(env);
  process.start(engine, {"run", experiment_file, "--quick", "--events", "--db", db_path});
  QVERIFY2(process.waitForStarted(30000), qPrintable("cannot start " + engine));
  QVERIFY2(process.waitForFinished(300000), "the engine did not finish within 5 minutes");
  const QByteArray err = process.readAllStandardError();
  QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
           err.constData());

  QMap<int64_t, RunTrace> traces;
  QSet<QString> types;
  int lines = 0;
  for (const QByteArray& line : process.readAllStandardOutput().split('\n')) {
    if (line.trimmed().isEmpty()) continue;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    QVERIFY2(doc.isObject(), line.constData());  // a clean exit leaves no cut-short line
    ++lines;
    const QJsonObject e = doc.object();
    const QString type = e.value("type").toString();
    types.insert(type);
    if (!e.value("run").isDouble()) {
      QVERIFY2(type.startsWith("experiment_"), line.constData());
      continue;
    }
    const bool changed = sy::ui::apply_event(traces[e.value("run").toInteger()], e);
    QVERIFY2(changed == (type != "adapter_saved"), line.constData());
  }
  QVERIFY(lines > 0);
  for (const char* type : {"experiment_started", "run_started", "stage_started", "train_step",
                           "progress", "evaluation", "router", "adapter_saved", "stage_finished",
                           "run_finished", "experiment_finished"}) {
    QVERIFY2(types.contains(QLatin1String(type)), type);
  }

  auto store = sy::store::Store::open(db_path.toStdString());
  const auto runs = store.list_runs();
  QCOMPARE(static_cast<qsizetype>(runs.size()), traces.size());
  QCOMPARE(traces.size(), 2);
  for (const auto& run : runs) {
    QVERIFY2(traces.contains(run.id), qPrintable(QString::number(run.id)));
    const RunTrace& live = traces[run.id];
    const RunTrace stored =
        sy::ui::trace_from_store(store.load_run(run.id), store.load_train_points(run.id));
    compare_traces(live, stored, false);
    if (QTest::currentTestFailed()) return;
    // Sanity: the comparison was not between two empty pictures.
    QCOMPARE(stored.status, QStringLiteral("finished"));
    QCOMPARE(stored.stages, 2);
    QCOMPARE(stored.stages_finished, 2);
    QVERIFY(!stored.points.isEmpty());
    QCOMPARE(stored.scores.size(), 3);
    QVERIFY(stored.summary.ap.has_value());
    QCOMPARE(stored.confusions.size(), live.strategy == "switchcit" ? 2 : 0);
    QVERIFY(live.progress > 0);
  }
}

QTEST_GUILESS_MAIN(TestRunTrace)
#include "test_run_trace.moc"
