// The GUI end to end on the offscreen platform, with a real engine process and a real database:
// open an experiment, press Run, watch the live plots fill, and find the runs in the database
// and the run list afterwards; an engine that fails shows its message and the GUI keeps going.
#include <QtTest>

#include <QAction>
#include <QJsonArray>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <cmath>
#include <fstream>

#include "storage/store.h"
#include "ui/compare_view.h"
#include "ui/experiment_designer.h"
#include "ui/main_window.h"
#include "ui/playground.h"
#include "ui/run_list_model.h"
#include "ui/run_queue.h"

using namespace sy;
using namespace sy::ui;

namespace {

const char* kExperiment = R"({
  "name": "window", "tasks": ["reverse", "capitalize"],
  "data": {"train_examples": 100, "test_examples": 6},
  "training": {"steps": 75, "batch_size": 8, "precision": "fp32"},
  "strategies": ["seq-lora", "switchcit"],
  "evaluation": {"max_new_tokens": 12}
})";

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.filePath("settings"));
    if (qEnvironmentVariableIsEmpty("SWITCHYARD_ENGINE"))
      qputenv("SWITCHYARD_ENGINE", SY_ENGINE_BIN);
    std::ofstream(dir_.filePath("window.json").toStdString()) << kExperiment;
  }

  void run_from_the_window_end_to_end() {
    const QString db = dir_.filePath("window.db");
    MainWindow window(db);
    window.show();
    QVERIFY(window.openExperiment(dir_.filePath("window.json")));
    window.setQuick(true);
    int live_updates = 0;
    connect(&window.queue(), &RunQueue::jobEvent, this, [&](int, const QJsonObject& e) {
      if (e.value("type").toString() == "train_step") ++live_updates;
    });
    window.runExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(window.queue().runningCount() + window.queue().queuedCount() == 0,
                             240000);
    QVERIFY(live_updates > 0);

    // The plots followed the live runs; the last one is switchcit with its router matrices.
    const RunTrace& live = window.shownTrace();
    QCOMPARE(live.strategy, QString("switchcit"));
    QCOMPARE(live.status, QString("finished"));
    QCOMPARE(live.scores.size(), 3);
    QCOMPARE(live.confusions.size(), 2);
    QVERIFY(!live.points.isEmpty());

    // Both runs are in the database and in the run list.
    store::Store store = store::Store::open(db.toStdString());
    const auto runs = store.list_runs();
    QCOMPARE(runs.size(), size_t(2));
    for (const auto& r : runs) QVERIFY(r.status == store::RunStatus::Finished);
    QCOMPARE(window.runs().rowCount(), 2);

    // A finished run read back from the database draws the same matrix as the live events did.
    const QVector<QVector<double>> live_scores = live.scores;
    const int live_points = static_cast<int>(live.points.size());
    const int64_t id = live.id;
    window.showRun(runs.back().id);
    window.showRun(id);
    QCOMPARE(window.shownTrace().scores, live_scores);
    QCOMPARE(static_cast<int>(window.shownTrace().points.size()), live_points);

    // Both runs side by side; the shown run's plots exported.
    QVERIFY(window.compareRuns({runs[0].id, runs[1].id}));
    QCOMPARE(window.compare().heatmapCount(), 2);
    QCOMPARE(window.tabs().currentWidget(), static_cast<QWidget*>(&window.compare()));
    QVERIFY(!window.compareRuns({runs[0].id}));
    const QString exports = dir_.filePath("exports");
    QDir().mkpath(exports);
    QVERIFY(window.exportPlots(exports));
    QVERIFY(QFileInfo(exports + "/switchcit-score-matrix.png").size() > 0);
    QVERIFY(QFileInfo(exports + "/switchcit-router-confusion.pdf").size() > 0);

    // Ask the switchcit run: the switch's probabilities and the routed expert's answer.
    window.showRun(id);
    window.tabs().setCurrentWidget(&window.playground());
    Playground& ask = window.playground();
    QCOMPARE(ask.run(), id);
    QTRY_VERIFY_WITH_TIMEOUT(ask.isLoaded(), 60000);
    ask.instructionEdit()->setText("Reverse the order of the words.");
    ask.inputEdit()->setPlainText("red green blue");
    QSignalSpy answered(&ask, &Playground::answerShown);
    ask.ask();
    QTRY_VERIFY_WITH_TIMEOUT(answered.count() == 1, 60000);
    QCOMPARE(ask.probabilities().size(), 2);
    QVERIFY(ask.routedTask() == 0 || ask.routedTask() == 1);
  }

  void a_flagged_setting_stops_run_before_anything_starts() {
    MainWindow window(dir_.filePath("flagged.db"));
    QVERIFY(window.openExperiment(dir_.filePath("window.json")));
    auto* steps = window.designer().findChild<QLineEdit*>("steps");
    QVERIFY(steps);
    steps->clear();
    QTest::keyClicks(steps, "abc");
    QVERIFY(!window.designer().isValid());
    QTimer closer;
    connect(&closer, &QTimer::timeout, [] {
      if (QWidget* box = QApplication::activeModalWidget()) box->close();
    });
    closer.start(50);
    window.runExperiment();
    QCOMPARE(window.queue().queuedCount() + window.queue().runningCount(), 0);
    QCOMPARE(window.tabs().currentWidget(), static_cast<QWidget*>(&window.designer()));
    // The designer writes what the file had: fixing the value makes the experiment runnable.
    steps->clear();
    QTest::keyClicks(steps, "75");
    QVERIFY(window.designer().isValid());
    QCOMPARE(window.designer().toJson()["tasks"].toArray().size(), 2);
  }

  // The run list's context menu, without its dialogs, on the runs of the test above.
  void the_run_menu_tags_exports_extends_resumes_and_deletes() {
    const QString db = dir_.filePath("window.db");
    MainWindow window(db);
    store::Store store = store::Store::open(db.toStdString());
    const auto runs = store.list_runs();  // newest first: switchcit, seq-lora
    QCOMPARE(runs.size(), size_t(2));
    const int64_t switchcit = runs[0].id, seq_lora = runs[1].id;

    QVERIFY(window.addTag(switchcit, "baseline"));
    QVERIFY(window.addNote(switchcit, "routes every prompt"));
    store::RunFilter tagged;
    tagged.tag = "baseline";
    QCOMPARE(store.list_runs(tagged).size(), size_t(1));
    QCOMPARE(store.load_run(switchcit).notes.size(), size_t(1));

    const QString adapter = dir_.filePath("adapter");
    QVERIFY(window.exportAdapter(switchcit, 1, adapter));
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(adapter + "/adapter_config.json"), 60000);
    QCOMPARE(QFileInfo(adapter + "/adapter_model.safetensors").size(),
             store.get_adapter(switchcit, 1)->info.size_bytes);

    QSignalSpy extended(&window.queue(), &RunQueue::jobFinished);
    QVERIFY(window.extendRun(switchcit, "count"));
    QTRY_VERIFY_WITH_TIMEOUT(extended.count() == 1, 120000);
    QVERIFY2(extended[0][2].toString().isEmpty(), qPrintable(extended[0][2].toString()));
    QCOMPARE(store.load_run(switchcit).tasks.size(), size_t(3));
    QVERIFY(store.load_run(switchcit).run.status == store::RunStatus::Finished);

    // Cancel a new run mid-stage, then resume it from the list.
    window.openExperiment(dir_.filePath("window.json"));
    window.setQuick(true);
    bool cancelled = false;
    connect(&window.queue(), &RunQueue::jobEvent, this, [&](int, const QJsonObject& e) {
      if (!cancelled && e.value("type").toString() == "train_step") {
        cancelled = true;
        window.cancelRuns();
      }
    });
    window.runExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(
        cancelled && window.queue().runningCount() + window.queue().queuedCount() == 0, 120000);
    const auto after = store.list_runs();
    QVERIFY(after[0].status == store::RunStatus::Cancelled);
    QSignalSpy resumed(&window.queue(), &RunQueue::jobFinished);
    QVERIFY(window.resumeRun(after[0].id));
    QTRY_VERIFY_WITH_TIMEOUT(resumed.count() == 1, 120000);
    QVERIFY2(resumed[0][2].toString().isEmpty(), qPrintable(resumed[0][2].toString()));
    QVERIFY(store.load_run(after[0].id).run.status == store::RunStatus::Finished);

    QVERIFY(window.deleteRun(seq_lora));
    QCOMPARE(window.runs().rowOf(seq_lora), -1);
  }

  void a_failing_engine_leaves_the_window_running() {
    const QString bad = dir_.filePath("bad.json");
    std::ofstream(bad.toStdString()) << R"({"tasks": ["nope"], "strategies": ["seq-lora"]})";
    MainWindow window(dir_.filePath("bad.db"));
    QVERIFY(window.openExperiment(bad));
    QString message;
    connect(&window.queue(), &RunQueue::jobFinished, this,
            [&](int, int, const QString& m) { message = m; });
    // The warning box would block the test: close it as soon as it opens.
    QTimer closer;
    connect(&closer, &QTimer::timeout, [] {
      if (QWidget* box = QApplication::activeModalWidget()) box->close();
    });
    closer.start(50);
    window.runExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(!message.isEmpty(), 60000);
    QVERIFY2(message.contains("nope"), qPrintable(message));
    QVERIFY(window.isEnabled());
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
