// The GUI's run scheduler (ui/engine_process, ui/run_queue) against the real switchyard-engine:
// a tiny two-task experiment (~5 s with --quick) run, queued, cancelled and broken on purpose.
// Line splitting, crashes and the kill after SIGTERM are checked with /bin/sh standing in for the
// engine, since the real one cannot be made to misbehave on cue.
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

#include "ui/engine_process.h"
#include "ui/run_queue.h"

using sy::ui::EngineProcess;
using sy::ui::RunJob;
using sy::ui::RunQueue;
using sy::ui::RunQueueModel;

namespace {

// One quick run takes ~5 s alone; the limit leaves room for a machine busy compiling.
constexpr int kRunTimeoutMs = 180'000;

const char kExperiment[] = R"({"name":"q","tasks":["reverse","capitalize"],)"
                           R"("data":{"train_examples":100,"test_examples":6},)"
                           R"("training":{"steps":75,"batch_size":8,"precision":"fp32"},)"
                           R"("strategies":["seq-lora"],"evaluation":{"max_new_tokens":12}})";

QString type(const QJsonObject& event) {
  return event.value(QLatin1String("type")).toString();
}

QStringList types(const QList<QJsonObject>& events) {
  QStringList out;
  for (const QJsonObject& event : events) out.append(type(event));
  return out;
}

// The run's own events (docs/events.md: run_started ... run_finished), without the experiment's.
QStringList runTypes(const QList<QJsonObject>& events) {
  QStringList out;
  for (const QString& t : types(events)) {
    if (!t.startsWith(QLatin1String("experiment_"))) out.append(t);
  }
  return out;
}

QString cellText(const RunQueueModel& model, int row, int column) {
  return model.data(model.index(row, column)).toString();
}

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

}  // namespace

class TestRunQueue : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void engineProgramFromEnvironment();
  void runsToTheEnd();
  void runsOneAfterAnother();
  void remoteJobsTakeNoSlot();
  void cancelsRunningJob();
  void cancelsQueuedJob();
  void missingEngine();
  void missingEngineInQueue();
  void malformedExperiment();
  void splitsAndSkipsLines();
  void childEnvironment();
  void reportsCrash();
  void killsAfterTimeout();

 private:
  RunJob quickRun(const QString& title) const {
    return RunJob{title,
                  {QStringLiteral("run"), experiment_, QStringLiteral("--quick"),
                   QStringLiteral("--events"), QStringLiteral("--db"), db_}};
  }

  QTemporaryDir dir_;
  QString experiment_, db_;
};

void TestRunQueue::initTestCase() {
  QVERIFY(dir_.isValid());
  // The engine comes from the environment, as in the app; the build's own one otherwise.
  if (qEnvironmentVariableIsEmpty("SWITCHYARD_ENGINE")) qputenv("SWITCHYARD_ENGINE", SY_ENGINE_BIN);
  const QString engine = EngineProcess::engineProgram();
  QVERIFY2(QFileInfo(engine).isExecutable(), qPrintable(engine + " is not an executable"));
  experiment_ = dir_.filePath(QStringLiteral("q.json"));
  db_ = dir_.filePath(QStringLiteral("q.db"));
  QVERIFY(writeFile(experiment_, kExperiment));
}

void TestRunQueue::engineProgramFromEnvironment() {
  const QByteArray saved = qgetenv("SWITCHYARD_ENGINE");
  qputenv("SWITCHYARD_ENGINE", "/opt/somewhere/switchyard-engine");
  const QString program = EngineProcess::engineProgram();
  qputenv("SWITCHYARD_ENGINE", saved);
  QCOMPARE(program, QStringLiteral("/opt/somewhere/switchyard-engine"));
  QCOMPARE(EngineProcess({}).program(), QString::fromLocal8Bit(saved));
}

void TestRunQueue::runsToTheEnd() {
  RunQueue queue;
  RunQueueModel model(&queue);
  QSignalSpy finished(&queue, &RunQueue::jobFinished);
  QSignalSpy idle(&queue, &RunQueue::idle);
  QSignalSpy changed(&model, &RunQueueModel::dataChanged);
  QList<QJsonObject> events;
  QList<int> event_ids;
  // While stage 2 trains, the queue counts the stages finished as the run list does (1/2),
  // not the stage in progress (issue 21, 9).
  QString stages_during_stage_2;
  QString eta_before_progress;  // before the first step times anything: said, not blank
  connect(&queue, &RunQueue::jobEvent, this, [&](int id, const QJsonObject& event) {
    event_ids.append(id);
    events.append(event);
    if (event.value("type").toString() == "run_started")
      eta_before_progress = cellText(model, 0, RunQueueModel::Eta);
    if (stages_during_stage_2.isEmpty() && event.value("type").toString() == "train_step" &&
        event.value("stage").toInt() == 2)
      stages_during_stage_2 = cellText(model, 0, RunQueueModel::Stage);
  });

  const int id = queue.enqueue(quickRun(QStringLiteral("quick run")));
  QCOMPARE(model.rowCount(), 1);
  QCOMPARE(model.jobId(0), id);
  QCOMPARE(cellText(model, 0, RunQueueModel::Title), QStringLiteral("quick run"));
  QCOMPARE(cellText(model, 0, RunQueueModel::State), QStringLiteral("queued"));

  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QCOMPARE(finished[0][0].toInt(), id);
  QVERIFY2(finished[0][1].toInt() == 0, qPrintable(finished[0][2].toString()));
  QCOMPARE(finished[0][2].toString(), QString());
  QCOMPARE(idle.count(), 1);
  QCOMPARE(queue.runningCount(), 0);
  QCOMPARE(queue.queuedCount(), 0);

  // The documented order (docs/events.md), all of it tagged with this job.
  QVERIFY(std::all_of(event_ids.begin(), event_ids.end(), [&](int i) { return i == id; }));
  const QStringList all = types(events);
  QCOMPARE(all.first(), QStringLiteral("experiment_started"));
  QCOMPARE(all.last(), QStringLiteral("experiment_finished"));
  const QStringList run = runTypes(events);
  QCOMPARE(run.first(), QStringLiteral("run_started"));
  QCOMPARE(run.last(), QStringLiteral("run_finished"));
  QCOMPARE(run.count(QStringLiteral("run_started")), 1);
  QCOMPARE(run.count(QStringLiteral("run_finished")), 1);
  QCOMPARE(run[1], QStringLiteral("evaluation"));  // row 0, before any training
  QCOMPARE(run.count(QStringLiteral("stage_started")), 2);
  QCOMPARE(run.count(QStringLiteral("stage_finished")), 2);
  const qsizetype first_finished = run.indexOf(QStringLiteral("stage_finished"));
  QVERIFY(run.indexOf(QStringLiteral("stage_started")) < first_finished);
  QVERIFY(run.indexOf(QStringLiteral("train_step")) < first_finished);
  QVERIFY(run.indexOf(QStringLiteral("stage_started"), first_finished) > first_finished);
  QVERIFY(run.contains(QStringLiteral("progress")));

  QCOMPARE(cellText(model, 0, RunQueueModel::State), QStringLiteral("finished"));
  QCOMPARE(cellText(model, 0, RunQueueModel::Progress), QStringLiteral("100 %"));
  QCOMPARE(model.data(model.index(0, RunQueueModel::Progress), RunQueueModel::RawRole).toDouble(),
           1.0);
  QCOMPARE(stages_during_stage_2, QStringLiteral("1/2"));
  QCOMPARE(cellText(model, 0, RunQueueModel::Stage), QStringLiteral("2/2"));
  QVERIFY(model.data(model.index(0, RunQueueModel::TokensPerSecond)).isValid());
  QCOMPARE(eta_before_progress, QString::fromUtf8("estimating…"));
  QCOMPARE(cellText(model, 0, RunQueueModel::Eta), QString());  // no ETA once it has ended
  QCOMPARE(cellText(model, 0, RunQueueModel::Message), QString());

  // Only changed cells are announced: one row at a time, and never the title, which does not
  // change.
  QVERIFY(changed.count() > 0);
  for (const QList<QVariant>& signal : changed) {
    const auto top_left = signal[0].value<QModelIndex>();
    const auto bottom_right = signal[1].value<QModelIndex>();
    QCOMPARE(top_left.row(), 0);
    QCOMPARE(bottom_right.row(), 0);
    QVERIFY(top_left.column() > RunQueueModel::Title);
  }
}

void TestRunQueue::runsOneAfterAnother() {
  RunQueue queue;
  QCOMPARE(queue.maxParallel(), 1);
  QStringList log;
  int most_running = 0;
  connect(&queue, &RunQueue::jobStarted, this, [&](int id) {
    log.append(QStringLiteral("start %1").arg(id));
    most_running = std::max(most_running, queue.runningCount());
  });
  connect(&queue, &RunQueue::jobFinished, this, [&](int id, int exit_code, const QString&) {
    log.append(QStringLiteral("end %1 %2").arg(id).arg(exit_code));
  });

  const int a = queue.enqueue(quickRun(QStringLiteral("a")));
  const int b = queue.enqueue(quickRun(QStringLiteral("b")));
  QVERIFY(a != b);
  // Nothing starts inside enqueue(): the caller gets to see (and cancel) its job first.
  QCOMPARE(queue.queuedCount(), 2);
  QCOMPARE(queue.runningCount(), 0);
  QTRY_COMPARE_WITH_TIMEOUT(queue.runningCount(), 1, kRunTimeoutMs);
  QVERIFY(queue.isRunning(a));
  QVERIFY(queue.isQueued(b));

  QTRY_COMPARE_WITH_TIMEOUT(log.size(), 4, 2 * kRunTimeoutMs);
  QCOMPARE(log,
           (QStringList{QStringLiteral("start %1").arg(a), QStringLiteral("end %1 0").arg(a),
                        QStringLiteral("start %1").arg(b), QStringLiteral("end %1 0").arg(b)}));
  QCOMPARE(most_running, 1);
}

void TestRunQueue::remoteJobsTakeNoSlot() {
  // A local job that holds the one slot until told, and a job that follows work elsewhere.
  RunQueue queue;
  queue.setProgram(QStringLiteral("/bin/sh"));
  const QString go = dir_.filePath(QStringLiteral("go"));
  RunJob local{
      QStringLiteral("local"),
      {QStringLiteral("-c"), QStringLiteral("while [ ! -e '%1' ]; do sleep 0.05; done").arg(go)}};
  RunJob remote{QStringLiteral("remote"), {QStringLiteral("-c"), QStringLiteral("true")}, true};
  RunJob second = local;
  const int a = queue.enqueue(local);
  const int b = queue.enqueue(second);
  const int c = queue.enqueue(remote);
  QSignalSpy finished(&queue, &RunQueue::jobFinished);
  QTRY_VERIFY_WITH_TIMEOUT(queue.isRunning(a), 10'000);
  // The remote job ran and ended while the local slot was taken; the second local job waits.
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10'000);
  QCOMPARE(finished[0][0].toInt(), c);
  QVERIFY(queue.isQueued(b));
  QFile(go).open(QIODevice::WriteOnly);
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 10'000);
}

void TestRunQueue::cancelsRunningJob() {
  RunQueue queue;
  RunQueueModel model(&queue);
  QSignalSpy finished(&queue, &RunQueue::jobFinished);
  QList<QJsonObject> events;
  bool cancel_sent = false;
  connect(&queue, &RunQueue::jobEvent, this, [&](int id, const QJsonObject& event) {
    events.append(event);
    if (!cancel_sent && type(event) == QLatin1String("train_step")) {
      cancel_sent = true;
      QVERIFY(queue.cancel(id));
    }
  });

  const int id = queue.enqueue(quickRun(QStringLiteral("cancelled")));
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY(cancel_sent);
  QCOMPARE(finished[0][0].toInt(), id);
  QCOMPARE(finished[0][1].toInt(), 130);
  QCOMPARE(finished[0][2].toString(), QStringLiteral("cancelled"));
  const QStringList run = runTypes(events);
  QCOMPARE(run.last(), QStringLiteral("run_cancelled"));
  QCOMPARE(cellText(model, 0, RunQueueModel::State), QStringLiteral("cancelled"));
  QCOMPARE(cellText(model, 0, RunQueueModel::Message), QStringLiteral("cancelled"));
  QVERIFY(!queue.cancel(id));  // ended: nothing left to cancel
}

void TestRunQueue::cancelsQueuedJob() {
  RunQueue queue;
  RunQueueModel model(&queue);
  QSignalSpy started(&queue, &RunQueue::jobStarted);
  QSignalSpy finished(&queue, &RunQueue::jobFinished);
  QSignalSpy idle(&queue, &RunQueue::idle);

  const int a = queue.enqueue(quickRun(QStringLiteral("a")));
  const int b = queue.enqueue(quickRun(QStringLiteral("b")));
  QVERIFY(queue.cancel(b));
  QCOMPARE(finished.count(), 1);  // at once: there is no process to wait for
  QCOMPARE(finished[0][0].toInt(), b);
  QCOMPARE(finished[0][1].toInt(), 130);
  QCOMPARE(finished[0][2].toString(), QStringLiteral("cancelled"));
  QCOMPARE(queue.queuedCount(), 1);
  QVERIFY(!queue.isQueued(b));
  QVERIFY(!queue.cancel(b));
  QCOMPARE(cellText(model, model.rowOf(b), RunQueueModel::State), QStringLiteral("cancelled"));
  QCOMPARE(idle.count(), 0);  // a still waits

  // a is stopped as soon as it starts, which also covers a SIGTERM that may come before the
  // engine is ready for it: still "cancelled".
  connect(&queue, &RunQueue::jobStarted, this, [&](int id) { queue.cancel(id); });
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kRunTimeoutMs);
  QCOMPARE(finished[1][0].toInt(), a);
  QCOMPARE(finished[1][1].toInt(), 130);
  QCOMPARE(finished[1][2].toString(), QStringLiteral("cancelled"));
  QCOMPARE(started.count(), 1);
  QCOMPARE(started[0][0].toInt(), a);
  QCOMPARE(idle.count(), 1);
}

void TestRunQueue::missingEngine() {
  const QString path = dir_.filePath(QStringLiteral("no-such-dir/switchyard-engine"));
  EngineProcess process({QStringLiteral("run"), experiment_, QStringLiteral("--events")});
  process.setProgram(path);
  QSignalSpy finished(&process, &EngineProcess::finished);
  process.start();
  QCOMPARE(finished.count(), 0);  // never from inside start()
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10'000);
  QCOMPARE(finished[0][0].toInt(), EngineProcess::kNoExitStatus);
  const QString message = finished[0][1].toString();
  QVERIFY2(message.contains(path), qPrintable(message));
  QVERIFY(!process.isRunning());
}

void TestRunQueue::missingEngineInQueue() {
  const QString path = dir_.filePath(QStringLiteral("missing-engine"));
  RunQueue queue;
  RunQueueModel model(&queue);
  queue.setProgram(path);
  QSignalSpy finished(&queue, &RunQueue::jobFinished);
  QSignalSpy idle(&queue, &RunQueue::idle);
  const int a = queue.enqueue(quickRun(QStringLiteral("a")));
  const int b = queue.enqueue(quickRun(QStringLiteral("b")));
  // Both fail, one after the other: a failed start frees its slot like any other end.
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 10'000);
  QCOMPARE(finished[0][0].toInt(), a);
  QCOMPARE(finished[1][0].toInt(), b);
  QVERIFY2(finished[0][2].toString().contains(path), qPrintable(finished[0][2].toString()));
  QCOMPARE(cellText(model, 0, RunQueueModel::State), QStringLiteral("failed"));
  QVERIFY(cellText(model, 0, RunQueueModel::Message).contains(path));
  QTRY_COMPARE(idle.count(), 1);
}

void TestRunQueue::malformedExperiment() {
  const QString bad = dir_.filePath(QStringLiteral("bad.json"));
  QVERIFY(writeFile(bad, R"({"name": "bad", "tasks": [)"));
  RunQueue queue;
  RunQueueModel model(&queue);
  QSignalSpy finished(&queue, &RunQueue::jobFinished);
  queue.enqueue(RunJob{QStringLiteral("bad"),
                       {QStringLiteral("run"), bad, QStringLiteral("--quick"),
                        QStringLiteral("--events"), QStringLiteral("--db"), db_}});
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QCOMPARE(finished[0][1].toInt(), 1);
  const QString message = finished[0][2].toString();
  // The engine's error line, which names the file at fault.
  QVERIFY2(message.startsWith(QLatin1String("error: ")) && message.contains(bad),
           qPrintable(message));
  QCOMPARE(cellText(model, 0, RunQueueModel::State), QStringLiteral("failed"));
  QCOMPARE(cellText(model, 0, RunQueueModel::Message), message);
}

void TestRunQueue::splitsAndSkipsLines() {
  // An object split over two writes, a blank line, a line that is not JSON, an array, and a last
  // line cut short as a killed engine leaves it; the last error line is the message.
  EngineProcess process({QStringLiteral("-c"), QStringLiteral(R"(
printf '{"type":"a","n":1}\n{"type":"b",'
sleep 0.2
printf '"n":2}\n\n{"type":"c"\n[1,2]\nprogress 3/5\n{"type":"d","n":4}\n{"type":"e'
echo 'error: first' >&2
printf 'error: second\nsome later note\n' >&2
exit 3
)")});
  process.setProgram(QStringLiteral("/bin/sh"));
  QList<QJsonObject> events;
  connect(&process, &EngineProcess::eventReceived, this,
          [&](const QJsonObject& event) { events.append(event); });
  QSignalSpy finished(&process, &EngineProcess::finished);
  process.start();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10'000);
  QCOMPARE(types(events),
           (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("d")}));
  QCOMPARE(events[1].value(QLatin1String("n")).toInt(), 2);
  QCOMPARE(finished[0][0].toInt(), 3);
  QCOMPARE(finished[0][1].toString(), QStringLiteral("error: second"));
  QCOMPARE(process.stderrTail().last(), QStringLiteral("some later note"));
}

void TestRunQueue::childEnvironment() {
  EngineProcess process(
      {QStringLiteral("-c"), QStringLiteral(R"(printf '{"omp":"%s"}\n' "$OMP_WAIT_POLICY")")});
  process.setProgram(QStringLiteral("/bin/sh"));
  QSignalSpy events(&process, &EngineProcess::eventReceived);
  QSignalSpy finished(&process, &EngineProcess::finished);
  process.start();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10'000);
  QCOMPARE(events.count(), 1);
  // PASSIVE unless the user chose otherwise.
  const QString expected = qEnvironmentVariableIsSet("OMP_WAIT_POLICY")
                               ? qEnvironmentVariable("OMP_WAIT_POLICY")
                               : QStringLiteral("PASSIVE");
  QCOMPARE(events[0][0].value<QJsonObject>().value(QLatin1String("omp")).toString(), expected);
}

void TestRunQueue::reportsCrash() {
  EngineProcess process({QStringLiteral("-c"), QStringLiteral("kill -KILL $$")});
  process.setProgram(QStringLiteral("/bin/sh"));
  QSignalSpy finished(&process, &EngineProcess::finished);
  process.start();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10'000);
  QCOMPARE(finished[0][0].toInt(), EngineProcess::kNoExitStatus);
  const QString message = finished[0][1].toString();
  QVERIFY2(message.contains(QLatin1String("signal 9")), qPrintable(message));
}

void TestRunQueue::killsAfterTimeout() {
  // An engine that ignores SIGTERM (stuck in a long step), saying so when it arrives: cancel()
  // kills it after the timeout, so the second event comes before the end.
  EngineProcess process({QStringLiteral("-c"), QStringLiteral(R"(
trap 'echo "{\"type\":\"term_ignored\"}"' TERM
echo '{"type":"ready"}'
while :; do sleep 0.1; done
)")});
  process.setProgram(QStringLiteral("/bin/sh"));
  process.setKillTimeout(1000);
  QSignalSpy events(&process, &EngineProcess::eventReceived);
  QSignalSpy finished(&process, &EngineProcess::finished);
  process.start();
  QTRY_COMPARE_WITH_TIMEOUT(events.count(), 1, 10'000);  // the trap is set
  process.cancel();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10'000);
  QCOMPARE(events.count(), 2);  // SIGTERM arrived and was ignored; the kill ended it
  QCOMPARE(events[1][0].toJsonObject().value("type").toString(), QStringLiteral("term_ignored"));
  QCOMPARE(finished[0][0].toInt(), 130);
  QCOMPARE(finished[0][1].toString(), QStringLiteral("cancelled"));
}

QTEST_GUILESS_MAIN(TestRunQueue)
#include "test_run_queue.moc"
