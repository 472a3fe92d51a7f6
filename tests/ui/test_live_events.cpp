// A burst of live events through the path the engine's stdout takes — a child process writing
// JSON lines, EngineProcess, RunQueue, MainWindow, RunTrace, RunPlots — offscreen, on a real
// database. The child (this executable again, as a stand-in for the engine) writes 20 000
// train_step and 20 000 progress events of five stages with their evaluations, one write per
// line as the engine flushes them, pausing a millisecond every 20 lines so that the events
// reach the window in many small reads rather than a few pipe-fulls. Everything is counted, not
// timed: the plots' replots (QCustomPlot::afterReplot) against the firings of a 10 ms timer on
// the same event loop (a replot waits RunPlots::kRefreshMs, four of its ticks), replots while the
// burst was still arriving, and the events handled between two ticks (the loop kept turning).
// Replotting on every event — or on every read — exceeds the bound many times over.
#include <QApplication>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/common/app_test_env.h"
#include "ui/custom_plot.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "storage/store.h"
#include "ui/loss_plot.h"
#include "ui/main_window.h"
#include "ui/retention_plot.h"
#include "ui/run_plots.h"
#include "ui/run_queue.h"

using namespace sy;
using namespace sy::ui;

namespace {

constexpr int kStages = 5;
constexpr int kStepsPerStage = 4000;  // 20 000 train_step events, each followed by a progress
const char* kTasks = R"(["reverse","capitalize","count","spell","last-word"])";

QByteArray evaluation(int64_t run, int after_stage) {
  QByteArray scores;
  const char* names[] = {"reverse", "capitalize", "count", "spell", "last-word"};
  for (int p = 0; p < kStages; ++p) {
    const double value = p < after_stage ? 0.9 - 0.1 * (after_stage - 1 - p) : 0.0;
    scores += QByteArray(p ? "," : "") +
              QString(R"({"position":%1,"task":"%2","metric":"exact","value":%3})")
                  .arg(p)
                  .arg(names[p])
                  .arg(value)
                  .toUtf8();
  }
  return QString(R"({"type":"evaluation","time_ms":0,"run":%1,"after_stage":%2,"scores":[)")
             .arg(run)
             .arg(after_stage)
             .toUtf8() +
         scores + "]}\n";
}

// The events of one run as the engine writes them (docs/events.md), `run` being its id.
QByteArray event_stream(int64_t run) {
  QByteArray out;
  out.reserve(9'000'000);
  const int total = kStages * kStepsPerStage;
  out += QString(R"({"type":"run_started","time_ms":0,"run":%1,"key":"burst/seq-lora/seed0",)"
                 R"("experiment":"burst","strategy":"seq-lora","label":"seq-lora","seed":0,)"
                 R"("tasks":%2,"stages":%3,"first_stage":1,"device":"cpu"})")
             .arg(run)
             .arg(kTasks)
             .arg(kStages)
             .toUtf8() +
         "\n";
  out += evaluation(run, 0);
  int done = 0;
  for (int stage = 1; stage <= kStages; ++stage) {
    out += QString(R"({"type":"stage_started","time_ms":0,"run":%1,"stage":%2,"task":"t"})")
               .arg(run)
               .arg(stage)
               .toUtf8() +
           "\n";
    for (int step = 1; step <= kStepsPerStage; ++step) {
      ++done;
      const double loss = 2.0 * std::exp(-step / 500.0) + 0.1 + 0.05 * ((step * 7919) % 13) / 13.0;
      out += QString::asprintf(
                 R"({"type":"train_step","time_ms":0,"run":%lld,"stage":%d,"what":"lora",)"
                 R"("step":%d,"steps":%d,"loss":%.6f,"lr":0.002,"tokens_per_s":5000.0})"
                 "\n",
                 static_cast<long long>(run), stage, step, kStepsPerStage, loss)
                 .toUtf8();
      out += QString::asprintf(
                 R"({"type":"progress","time_ms":0,"run":%lld,"stage":%d,"stage_step":%d,)"
                 R"("stage_steps":%d,"steps_done":%d,"steps_planned":%d,"fraction":%.6f,)"
                 R"("elapsed_s":1.0,"eta_s":%.3f,"tokens_per_s":5000.0})"
                 "\n",
                 static_cast<long long>(run), stage, step, kStepsPerStage, done, total,
                 double(done) / total, double(total - done) / 1000.0)
                 .toUtf8();
    }
    out += evaluation(run, stage);
    out += QString(R"({"type":"stage_finished","time_ms":0,"run":%1,"stage":%2,"stages":%3})")
               .arg(run)
               .arg(stage)
               .arg(kStages)
               .toUtf8() +
           "\n";
  }
  out += QString(R"({"type":"run_finished","time_ms":0,"run":%1,"seconds":1.0,)"
                 R"("summary":{"ap":0.7,"forgetting":0.2,"bwt":-0.2,"fwt":0.0,)"
                 R"("router_accuracy":null}})")
             .arg(run)
             .toUtf8() +
         "\n";
  return out;
}

// Set in the child's environment: the file whose lines it writes, instead of running the tests.
const char* kEmitVariable = "SY_TEST_EMIT_EVENTS";
constexpr int kLinesPerPause = 20;

// The stand-in engine: each line in its own write(), a 1 ms pause every kLinesPerPause lines.
int emit_events(const char* path) {
  QFile file(QString::fromLocal8Bit(path));
  if (!file.open(QIODevice::ReadOnly)) return 1;
  const QByteArray all = file.readAll();
  qsizetype begin = 0;
  for (int line = 1; begin < all.size(); ++line) {
    qsizetype end = all.indexOf('\n', begin);
    end = end < 0 ? all.size() : end + 1;
    for (qsizetype at = begin; at < end;) {
      const ssize_t n = ::write(STDOUT_FILENO, all.constData() + at, size_t(end - at));
      if (n <= 0) return 1;
      at += n;
    }
    begin = end;
    if (line % kLinesPerPause == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return 0;
}

}  // namespace

class TestLiveEvents : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    // The designer asks the real engine for its tasks; the burst comes from a stand-in.
    sy::test::isolate_app(QDir(dir_.path()), SY_ENGINE_BIN);
  }

  void a_burst_of_events_replots_at_a_bounded_rate() {
    const QString db = dir_.filePath("burst.db");
    int64_t run = 0;
    {
      store::Store store = store::Store::open(db.toStdString());
      store::NewRun new_run;
      new_run.experiment_id = store.create_experiment("burst", "{}");
      new_run.strategy = "seq-lora";
      new_run.label = "seq-lora";
      run = store.create_run(new_run);
    }
    // The stand-in engine: this executable, told by its environment to write the stream.
    const QString events_file = dir_.filePath("events.jsonl");
    {
      QFile file(events_file);
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write(event_stream(run));
    }

    MainWindow window(db);
    window.resize(1400, 860);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.queue().setProgram(QApplication::applicationFilePath());
    QTest::qWait(3 * RunPlots::kRefreshMs);  // the empty window's own first redraws

    // The event loop's pulse: a 10 ms timer that must keep firing while the burst arrives. Each
    // count below is taken while the burst lasts: from its first event to its last.
    QTimer ticker;
    ticker.setInterval(10);
    int events = 0, ticks_during = 0, events_since_tick = 0, most_events_between_ticks = 0;
    int loss_count = 0, retention_count = 0;
    bool arriving = false;
    connect(&ticker, &QTimer::timeout, this, [&] {
      if (!arriving) return;
      ++ticks_during;
      most_events_between_ticks = std::max(most_events_between_ticks, events_since_tick);
      events_since_tick = 0;
    });
    connect(window.plots().lossPlot()->plot(), &QCustomPlot::afterReplot, this,
            [&] { loss_count += arriving; });
    connect(window.plots().retentionPlot()->plot(), &QCustomPlot::afterReplot, this,
            [&] { retention_count += arriving; });
    int train_steps = 0, progress = 0;
    connect(&window.queue(), &RunQueue::jobEvent, this, [&](int, const QJsonObject& e) {
      const QString type = e.value("type").toString();
      arriving = type != "run_finished";
      ++events;
      ++events_since_tick;
      train_steps += type == "train_step";
      progress += type == "progress";
    });
    QSignalSpy finished(&window.queue(), &RunQueue::jobFinished);

    qputenv(kEmitVariable, events_file.toLocal8Bit());  // the child inherits it
    ticker.start();
    QVERIFY(window.resumeRun(run));
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 120000);
    qunsetenv(kEmitVariable);
    QTest::qWait(4 * RunPlots::kRefreshMs);  // the last coalesced redraw
    ticker.stop();
    QCOMPARE(finished[0][1].toInt(), 0);

    // Everything arrived and was drawn.
    QCOMPARE(train_steps, kStages * kStepsPerStage);
    QCOMPARE(progress, kStages * kStepsPerStage);
    const RunTrace& trace = window.shownTrace();
    QCOMPARE(trace.id, run);
    QCOMPARE(trace.status, QString("finished"));
    QCOMPARE(int(trace.points.size()), kStages * kStepsPerStage);
    QCOMPARE(trace.progress, 1.0);
    QCOMPARE(window.plots().lossPlot()->rawGraph()->data()->size(), kStages * kStepsPerStage);
    QCOMPARE(window.plots().retentionPlot()->plot()->graph(0)->data()->size(), kStages + 1);

    // Replots: a replot waits for the refresh timer (four ticks of the 10 ms timer), so over the
    // burst there are at most as many as ticks, however busy the machine (when the loop is
    // late, both timers fire once per turn); one per event or per read would be many more.
    const int bound = ticks_during + 3;
    qInfo(
        "%d events: %d loss replots, %d retention replots while they arrived (bound %d); the "
        "10 ms timer fired %d times, at most %d events between two of its ticks",
        events, loss_count, retention_count, bound, ticks_during, most_events_between_ticks);
    QVERIFY2(loss_count <= bound, qPrintable(QString::number(loss_count)));
    QVERIFY2(retention_count <= bound, qPrintable(QString::number(retention_count)));
    // The plots followed the burst rather than waiting for its end.
    QVERIFY2(loss_count >= 1, "no replot while the events were arriving");
    // The event loop stayed responsive: the timer kept firing, and no turn of the loop handled
    // more than a tenth of the burst.
    QVERIFY(ticks_during >= 10);
    QVERIFY2(most_events_between_ticks <= events / 10,
             qPrintable(QString::number(most_events_between_ticks)));
  }
};

// QTEST_MAIN, but the same executable is also the stand-in engine.
int main(int argc, char** argv) {
  if (const char* events = std::getenv(kEmitVariable)) return emit_events(events);
  QApplication app(argc, argv);
  app.setAttribute(Qt::AA_Use96Dpi, true);
  TestLiveEvents test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}
#include "test_live_events.moc"
