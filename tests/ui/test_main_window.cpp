// The GUI end to end on the offscreen platform, with a real engine process and a real database:
// open an experiment, press Run, watch the live plots fill, and find the runs in the database
// and the run list afterwards; an engine that fails shows its message and the GUI keeps going.
// On runs written through the store: the notes panel changes tags and notes and the run list
// follows; Group seeds folds replicates into one row whose selection compares them all.
// What the window must say truly (issue 21): an extended run as stored, one current run, how a
// run ended, the experiment file in the title bar with its unsaved changes, the documented keys
// and their tooltips, the window's size kept, a damaged database named.
#include <QtTest>

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <QStringListModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeView>
#include <cmath>
#include <fstream>

#include "tests/common/app_test_env.h"
#include "ui/custom_plot.h"

#include <sqlite3.h>

#include "storage/store.h"
#include "ui/compare_view.h"
#include "ui/experiment_designer.h"
#include "ui/main_window.h"
#include "ui/playground.h"
#include "ui/run_list_model.h"
#include "ui/run_list_panel.h"
#include "ui/run_notes.h"
#include "ui/run_queue.h"
#include "ui/seed_group_model.h"

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

// A finished run written through the store (no engine): two tasks, its score matrix and AP.
int64_t stored_run(store::Store& store, int64_t experiment, const std::string& strategy,
                   uint64_t seed, double ap, const std::string& label = {}) {
  store::NewRun n;
  n.experiment_id = experiment;
  n.strategy = strategy;
  n.label = label.empty() ? strategy : label;
  n.seed = seed;
  n.config_json = R"({"quick":true,"strategy":{"name":")" + strategy + R"(","steps":5}})";
  const int64_t id = store.create_run(n);
  store.set_run_tasks(id, {{"reverse", "exact"}, {"capitalize", "exact"}});
  store.put_scores(id, 0, {{0, "exact", 0.0}, {1, "exact", 0.0}});
  store.put_scores(id, 1, {{0, "exact", ap}, {1, "exact", 0.0}});
  store.put_scores(id, 2, {{0, "exact", ap}, {1, "exact", ap}});
  store.set_run_status(id, store::RunStatus::Finished);
  store.set_run_summary(id, QString(R"({"ap":%1})").arg(ap).toStdString());
  return id;
}

// The run list row (at the top or inside a seed group) that shows run `id`.
QModelIndex row_of_run(const QAbstractItemModel* model, int64_t id,
                       const QModelIndex& parent = {}) {
  for (int r = 0; r < model->rowCount(parent); ++r) {
    const QModelIndex index = model->index(r, 0, parent);
    if (index.data(RunListModel::RunIdRole).toLongLong() == id) return index;
    const QModelIndex inside = row_of_run(model, id, index);
    if (inside.isValid()) return inside;
  }
  return {};
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    sy::test::isolate_app(QDir(dir_.path()), SY_ENGINE_BIN);
    std::ofstream(dir_.filePath("window.json").toStdString()) << kExperiment;
  }

  void run_from_the_window_end_to_end() {
    const QString db = dir_.filePath("window.db");
    MainWindow window(db);
    window.show();
    QVERIFY(window.openExperiment(dir_.filePath("window.json")));
    window.setQuick(true);
    int live_updates = 0;
    bool progress_shown = true;
    connect(&window.queue(), &RunQueue::jobEvent, this, [&](int, const QJsonObject& e) {
      if (e.value("type").toString() == "train_step") ++live_updates;
      progress_shown &= window.statusBar()->findChild<QProgressBar*>()->isVisible();
    });
    window.runExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(window.queue().runningCount() + window.queue().queuedCount() == 0,
                             240000);
    QVERIFY(live_updates > 0);
    QVERIFY(progress_shown);  // while the runs ran
    QVERIFY(!window.statusBar()->findChild<QProgressBar*>()->isVisible());

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
    // Every file names its run.
    QVERIFY(QFileInfo(exports + QString("/run%1-switchcit-score-matrix.png").arg(id)).size() > 0);
    QVERIFY(QFileInfo(exports + QString("/run%1-switchcit-router-confusion.pdf").arg(id)).size() >
            0);
    QVERIFY2(window.statusBar()->currentMessage().contains(QString("Plots of run %1").arg(id)),
             qPrintable(window.statusBar()->currentMessage()));

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
    QTRY_VERIFY_WITH_TIMEOUT(window.designer().findChild<QLineEdit*>("steps"), 60000);
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
    QVERIFY(window.tabs().currentWidget()->isAncestorOf(&window.designer()));
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
    // The cancel came before the experiment's second strategy started: no run of it exists.
    // Continuing the experiment (issue 22) creates and runs it under the same experiment.
    const int64_t experiment = after[0].experiment_id;
    store::RunFilter of_experiment;
    of_experiment.experiment_id = experiment;
    QCOMPARE(store.list_runs(of_experiment).size(), size_t(1));
    QSignalSpy continued(&window.queue(), &RunQueue::jobFinished);
    QVERIFY(window.continueExperiment(experiment));
    QTRY_VERIFY_WITH_TIMEOUT(continued.count() == 1, 120000);
    QVERIFY2(continued[0][2].toString().isEmpty(), qPrintable(continued[0][2].toString()));
    const auto continued_runs = store.list_runs(of_experiment);
    QCOMPARE(continued_runs.size(), size_t(2));
    for (const auto& r : continued_runs) QVERIFY(r.status == store::RunStatus::Finished);

    QVERIFY(window.deleteRun(seq_lora));
    QCOMPARE(window.runs().rowOf(seq_lora), -1);
  }

  // One current run drives the window (issue 21, 3): when a run starts, the run list's current
  // row, the notes header and the plots all name it. "Add a task…" (extend) shows the stored
  // truth (issue 21, 1): during the job the earlier stages' rows and loss curve stay, and after
  // it, after a re-selection and after F5, the list and the plots say what the store says.
  void extend_shows_the_stored_run_and_one_current_run_drives_all() {
    const QString db = dir_.filePath("extend.db");
    const QString experiment = dir_.filePath("extend.json");
    std::ofstream(experiment.toStdString()) << R"({
      "name": "extend", "tasks": ["reverse"],
      "data": {"train_examples": 100, "test_examples": 6},
      "training": {"steps": 75, "batch_size": 8, "precision": "fp32"},
      "strategies": ["seq-lora"], "evaluation": {"max_new_tokens": 12}})";
    MainWindow window(db);
    window.show();
    QVERIFY(window.openExperiment(experiment));
    window.setQuick(true);
    window.runExperiment();
    QTRY_VERIFY_WITH_TIMEOUT(window.queue().runningCount() + window.queue().queuedCount() == 0,
                             240000);
    const int64_t id = window.shownRun();
    QVERIFY(id > 0);
    QCOMPARE(window.runSelection()->currentIndex().data(RunListModel::RunIdRole).toLongLong(), id);
    QCOMPARE(window.notes().run(), id);
    QVERIFY2(window.statusBar()->currentMessage().contains(QString("run %1").arg(id)),
             qPrintable(window.statusBar()->currentMessage()));
    QVERIFY2(window.statusBar()->currentMessage().contains("finished"),
             qPrintable(window.statusBar()->currentMessage()));

    // The tasks offered to add are those the run does not have yet.
    QVERIFY(!window.tasksToAdd(id).contains("reverse"));
    QVERIFY(window.tasksToAdd(id).contains("capitalize"));

    const int stage1_points = int(window.shownTrace().points.size());
    QVERIFY(stage1_points > 0);
    bool checked = false;
    QString during;
    connect(&window.queue(), &RunQueue::jobEvent, this, [&](int, const QJsonObject& e) {
      if (checked || e.value("type").toString() != "train_step" || e.value("stage").toInt() != 2)
        return;
      checked = true;
      const RunTrace& t = window.shownTrace();
      int earlier = 0;
      for (const TracePoint& p : t.points) earlier += p.stage == 1;
      if (earlier != stage1_points)
        during += QString("stage 1 points %1 of %2; ").arg(earlier).arg(stage1_points);
      if (t.scores.size() < 2 || std::isnan(t.scores[1][0])) during += "row 1 lost; ";
    });
    QVERIFY(window.extendRun(id, "capitalize"));
    QTRY_VERIFY_WITH_TIMEOUT(
        checked && window.queue().runningCount() + window.queue().queuedCount() == 0, 240000);
    QVERIFY2(during.isEmpty(), qPrintable(during));

    store::Store store = store::Store::open(db.toStdString());
    const store::RunData truth = store.load_run(id);
    QCOMPARE(truth.tasks.size(), size_t(2));
    const double ap =
        QJsonDocument::fromJson(QByteArray::fromStdString(truth.run.summary_json))["ap"].toDouble();
    const auto check = [&](const char* when) {
      const QModelIndex row = row_of_run(window.runList(), id);
      QVERIFY2(row.isValid(), when);
      QCOMPARE(row.siblingAtColumn(RunListModel::Stages).data().toString(), QString("2/2"));
      QCOMPARE(row.siblingAtColumn(RunListModel::Ap).data().toString(), RunListModel::apText(ap));
      QCOMPARE(window.shownRun(), id);
      QCOMPARE(window.shownTrace().tasks.size(), 2);
      QCOMPARE(window.shownTrace().scores.size(), 3);
      QCOMPARE(int(window.shownTrace().points.size()), int(store.load_train_points(id).size()));
    };
    check("after the job");
    window.refreshRuns();
    check("after F5");
    window.showRun(id);
    check("after re-selecting it");
  }

  // The documented keys do what they say, the title bar shows the experiment and its unsaved
  // changes, Save As adds ".json", and a save says so (issue 21, 6); Run quick starts a quick
  // run (issue 21, 12).
  void experiment_file_conventions() {
    MainWindow window(dir_.filePath("conventions.db"));
    QVERIFY(window.openExperiment(dir_.filePath("window.json")));
    // The form is built from the engine's schema, which arrives without blocking.
    QTRY_VERIFY_WITH_TIMEOUT(window.designer().findChild<QLineEdit*>("steps"), 60000);
    QCOMPARE(window.windowFilePath(), dir_.filePath("window.json"));
    QVERIFY(!window.isWindowModified());
    QVERIFY(window.windowTitle().contains("[*]"));
    QStringList keys;
    for (QAction* a : window.findChildren<QAction*>())
      for (const QKeySequence& k : a->shortcuts()) keys << k.toString();
    for (const char* key : {"Ctrl+Shift+S", "Ctrl+S", "Ctrl+R", "Ctrl+F", "Ctrl+1", "Ctrl+4", "F1"})
      QVERIFY2(keys.contains(key), key);
    // Every action with a shortcut names it in its tooltip, and the shortcuts dialog lists every
    // key of every action and QShortcut in the window, and the keys widgets answer to themselves
    // (the notes' Return and Delete, the plot's Home).
    const QString help = window.shortcutsText();
    const QStringList help_keys = [&] {
      QStringList keys;
      for (const QString& line : help.split('\n')) keys += line.section('\t', 0, 0).split(" / ");
      return keys;
    }();
    for (QAction* a : window.findChildren<QAction*>()) {
      if (a->shortcut().isEmpty()) continue;
      QVERIFY2(a->toolTip().contains(a->shortcut().toString(QKeySequence::NativeText)),
               qPrintable(a->toolTip()));
      for (const QKeySequence& key : a->shortcuts())
        QVERIFY2(help_keys.contains(key.toString(QKeySequence::NativeText)), qPrintable(a->text()));
    }
    const QList<QShortcut*> shortcuts = window.findChildren<QShortcut*>();
    QVERIFY(!shortcuts.isEmpty());  // Ask's Ctrl+Return
    for (QShortcut* shortcut : shortcuts)
      for (const QKeySequence& key : shortcut->keys())
        QVERIFY2(help_keys.contains(key.toString(QKeySequence::NativeText)),
                 qPrintable(key.toString()));
    for (const char* key : {"Ctrl+Return", "Return", "Del", "Home"})
      QVERIFY2(help_keys.contains(QKeySequence(key).toString(QKeySequence::NativeText)), key);

    auto* steps = window.designer().findChild<QLineEdit*>("steps");
    QVERIFY(steps);
    steps->clear();
    QTest::keyClicks(steps, "80");
    QVERIFY(window.isWindowModified());
    QVERIFY(window.saveExperiment(dir_.filePath("saved-as")));
    QVERIFY(QFileInfo::exists(dir_.filePath("saved-as.json")));
    QCOMPARE(window.windowFilePath(), dir_.filePath("saved-as.json"));
    QVERIFY(!window.isWindowModified());
    QVERIFY2(window.statusBar()->currentMessage().contains("saved"),
             qPrintable(window.statusBar()->currentMessage()));
  }

  // Closing the window with edits in the form asks first (the form's edits live nowhere else):
  // Cancel keeps the window, Discard closes it and leaves the file as it was, Save writes them.
  void closing_with_unsaved_edits_asks() {
    const QString path = dir_.filePath("unsaved.json");
    QFile::remove(path);
    QVERIFY(QFile::copy(dir_.filePath("window.json"), path));
    const auto read = [&] {
      QFile f(path);
      return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    const QByteArray before = read();
    // Answers the question the window asks next with `button`.
    const auto answer = [](QMessageBox::StandardButton button) {
      QTimer::singleShot(0, [button] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        QVERIFY(box);
        box->button(button)->click();
      });
    };
    for (const auto button : {QMessageBox::Cancel, QMessageBox::Discard, QMessageBox::Save}) {
      MainWindow window(dir_.filePath("unsaved.db"));
      window.show();
      QVERIFY(window.openExperiment(path));
      QTRY_VERIFY_WITH_TIMEOUT(window.designer().findChild<QLineEdit*>("steps"), 60000);
      QVERIFY(window.close());  // nothing changed: no question
      window.show();
      auto* steps = window.designer().findChild<QLineEdit*>("steps");
      steps->clear();
      QTest::keyClicks(steps, "77");
      QVERIFY(window.isWindowModified());
      answer(button);
      QCOMPARE(window.close(), button != QMessageBox::Cancel);
      QCOMPARE(read() == before, button != QMessageBox::Save);
    }
    QVERIFY(read().contains("77"));
  }

  // Export writes the plots a run has: one that trained no steps of its own gets no empty loss
  // plot (the walk found an empty step/loss grid in the folder), and says so; nothing shown,
  // nothing written.
  void export_writes_only_the_plots_a_run_has() {
    const QString db = dir_.filePath("export.db");
    int64_t id = 0, percent = 0;
    {
      store::Store store = store::Store::open(db.toStdString());
      const int64_t experiment = store.create_experiment("export", "{}");
      id = stored_run(store, experiment, "switchcit", 0, 0.5);
      percent = stored_run(store, experiment, "switchcit", 1, 0.5, "switchcit 0.01%");
    }
    MainWindow window(db);
    window.show();
    // Nothing runs: no progress bar in the status bar (the walk saw an idle "0%").
    auto* progress = window.statusBar()->findChild<QProgressBar*>();
    QVERIFY(progress && !progress->isVisible());
    const QString folder = dir_.filePath("export-none");
    QDir().mkpath(folder);
    QVERIFY(!window.exportPlots(folder));
    QCOMPARE(QDir(folder).entryList(QDir::Files).size(), 0);
    window.showRun(id);
    QVERIFY(window.exportPlots(folder));
    const QString base = folder + QString("/run%1-switchcit-").arg(id);
    QVERIFY(QFileInfo(base + "score-matrix.png").size() > 0);
    QVERIFY(QFileInfo(base + "scores-by-stage.pdf").size() > 0);
    QVERIFY(!QFileInfo::exists(base + "loss.png"));
    QVERIFY(!QFileInfo::exists(base + "loss.pdf"));
    // A label's spaces and '%' do not reach the file names.
    window.showRun(percent);
    QVERIFY(window.exportPlots(folder));
    QVERIFY(QFileInfo::exists(folder +
                              QString("/run%1-switchcit-0.01--score-matrix.png").arg(percent)));
    QVERIFY2(window.statusBar()->currentMessage().contains("no loss plot"),
             qPrintable(window.statusBar()->currentMessage()));
  }

  // A database whose pages are damaged says so above the run list (as the CLI does), rather
  // than opening on an empty list without a word (issue 22).
  void a_damaged_database_says_so() {
    const QString db = dir_.filePath("damaged.db");
    {
      store::Store store = store::Store::open(db.toStdString());
      const int64_t experiment = store.create_experiment("damaged", "{}");
      for (int seed = 0; seed < 3; ++seed) stored_run(store, experiment, "seq-lora", seed, 0.5);
    }
    int root = 0, page_size = 0;
    {
      sqlite3* handle = nullptr;
      QCOMPARE(sqlite3_open_v2(db.toUtf8().constData(), &handle, SQLITE_OPEN_READWRITE, nullptr),
               SQLITE_OK);
      // Every page in the database file itself, and no WAL left: a page still in the WAL would
      // be read from there, and the damage below would miss it. Leaving WAL mode checkpoints
      // everything and deletes the WAL, or answers "wal" when it cannot.
      sqlite3_stmt* q = nullptr;
      sqlite3_prepare_v2(handle, "PRAGMA journal_mode = DELETE", -1, &q, nullptr);
      QCOMPARE(sqlite3_step(q), SQLITE_ROW);
      QCOMPARE(QString(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))),
               QString("delete"));
      sqlite3_finalize(q);
      sqlite3_prepare_v2(handle, "SELECT rootpage FROM sqlite_master WHERE name = 'runs'", -1, &q,
                         nullptr);
      QCOMPARE(sqlite3_step(q), SQLITE_ROW);
      root = sqlite3_column_int(q, 0);
      sqlite3_finalize(q);
      sqlite3_prepare_v2(handle, "PRAGMA page_size", -1, &q, nullptr);
      QCOMPARE(sqlite3_step(q), SQLITE_ROW);
      page_size = sqlite3_column_int(q, 0);
      sqlite3_finalize(q);
      sqlite3_close(handle);
    }
    {
      // The runs table's page header overwritten from its first byte: 0xff is no b-tree page
      // type, which SQLite refuses on every read. (Damage from byte 8 left the page type and
      // hit only the cell pointers, which SQLite masks to the page: whether that read as
      // damage then depended on the stored bytes, and one run in about thirty listed no rows
      // without an error.)
      QFile file(db);
      QVERIFY(file.open(QIODevice::ReadWrite));
      QVERIFY(file.seek(qint64(root - 1) * page_size));
      file.write(QByteArray(200, '\xff'));
    }
    QTimer closer;  // a message box, if the store refuses the file at once
    connect(&closer, &QTimer::timeout, [] {
      if (QWidget* box = QApplication::activeModalWidget()) box->close();
    });
    closer.start(50);
    MainWindow window(db);
    QVERIFY2(window.storeProblem().contains("malformed"),
             qPrintable(QString("problem \"%1\", %2 rows listed")
                            .arg(window.storeProblem())
                            .arg(window.runList()->rowCount())));
    auto* label = window.findChild<QLabel*>("storeProblem");
    QVERIFY(label);
    QVERIFY(!label->isHidden());
    QVERIFY(label->text().contains("malformed"));
  }

  // A seed group's AP reads whole at the default size and at 1280x720: its column holds the
  // text and lies inside the list's viewport (issue 21, 8: "5.3 (2.0" was cut).
  void a_seed_groups_ap_reads_whole() {
    const QString db = dir_.filePath("grouped-ap.db");
    {
      store::Store store = store::Store::open(db.toStdString());
      const int64_t experiment = store.create_experiment("grouped", "{}");
      const double aps[] = {0.053, 0.020, 0.086, 0.833, 0.5, 1.0};
      for (int i = 0; i < 6; ++i)
        stored_run(store, experiment, i < 3 ? "seq-lora" : "switchcit", uint64_t(i), aps[i]);
    }
    QSettings().remove("window");  // the default layout, not one a test before left
    for (const QSize size : {QSize(), QSize(1280, 720)}) {
      MainWindow window(db);
      if (size.isValid()) window.resize(size);
      window.setGroupSeeds(true);
      window.show();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      QTreeView* view = window.findChild<RunListPanel*>()->view();
      const QAbstractItemModel* model = view->model();
      QCOMPARE(model->rowCount(), 2);
      for (int row = 0; row < model->rowCount(); ++row) {
        const QString text = model->index(row, RunListModel::Ap).data().toString();
        QVERIFY2(text.contains(QString::fromUtf8("±")), qPrintable(text));
        const int needed = view->fontMetrics().horizontalAdvance(text);
        const int width = view->columnWidth(RunListModel::Ap);
        QVERIFY2(width >= needed,
                 qPrintable(QString("%1: %2 < %3").arg(text).arg(width).arg(needed)));
        const int right = view->columnViewportPosition(RunListModel::Ap) + width;
        QVERIFY2(right <= view->viewport()->width(),
                 qPrintable(QString("%1 ends at %2 of %3 at %4x%5")
                                .arg(text)
                                .arg(right)
                                .arg(view->viewport()->width())
                                .arg(window.width())
                                .arg(window.height())));
      }
    }
    QSettings().remove("window");  // grouping is kept: the tests after expect the default
  }

  // At 1920x1080 in the default layout the run list shows each run's duration (it sat past the
  // pane's edge, behind the start date, with the demo's labels).
  void the_duration_is_in_view_at_1920() {
    const QString db = dir_.filePath("duration.db");
    {
      store::Store store = store::Store::open(db.toStdString());
      const int64_t experiment = store.create_experiment("demo", "{}");
      store::NewRun n;
      n.experiment_id = experiment;
      n.strategy = "switchcit";
      n.label = "switchcit-0.01%";  // the demo's longest label
      n.config_json = R"({"strategy":{"name":"switchcit"}})";
      const int64_t id = store.create_run(n);
      store.set_run_status(id, store::RunStatus::Finished);
    }
    QSettings().remove("window");
    MainWindow window(db);
    window.resize(1920, 1080);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTreeView* view = window.findChild<RunListPanel*>()->view();
    const int right = view->columnViewportPosition(RunListModel::Duration) +
                      view->columnWidth(RunListModel::Duration);
    QVERIFY2(
        right <= view->viewport()->width(),
        qPrintable(QString("duration ends at %1 of %2").arg(right).arg(view->viewport()->width())));
    QSettings().remove("window");
  }

  // The window comes back at the size and layout it was closed with.
  void the_window_size_is_restored() {
    {
      MainWindow window(dir_.filePath("geometry.db"));
      window.show();
      window.resize(1013, 707);
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      window.close();
    }
    MainWindow again(dir_.filePath("geometry.db"));
    QCOMPARE(again.size(), QSize(1013, 707));
  }

  // The notes panel shows the selected run's tags and notes and changes them in the store; the
  // run list (its tag column and the filter on it) follows, and keeps its selection.
  void the_notes_panel_keeps_tags_and_notes() {
    const QString db = dir_.filePath("notes.db");
    int64_t run = 0, other = 0;
    {
      store::Store store = store::Store::open(db.toStdString());
      const int64_t experiment = store.create_experiment("notes", "{}");
      run = stored_run(store, experiment, "seq-lora", 0, 0.5);
      other = stored_run(store, experiment, "replay", 0, 0.6);
      store.add_note(run, "first look");
      store.add_tag(run, "old");
    }
    MainWindow window(db);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    RunNotes& notes = window.notes();
    QVERIFY(!notes.isEnabled());
    window.runSelection()->setCurrentIndex(
        row_of_run(window.runList(), run),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(window.shownRun(), run);
    QCOMPARE(notes.run(), run);
    QCOMPARE(notes.tagsModel()->stringList(), QStringList{"old"});
    QCOMPARE(notes.notesModel()->rowCount(), 1);
    QCOMPARE(notes.notesModel()->index(0, NoteListModel::Text).data().toString(),
             QString("first look"));

    // Add a tag from the panel: in the store, in the panel and in the list, which keeps its
    // selection across the re-read.
    QTest::keyClicks(notes.tagEdit(), "baseline");
    QTest::keyClick(notes.tagEdit(), Qt::Key_Return);
    store::Store store = store::Store::open(db.toStdString());
    QCOMPARE(store.load_run(run).run.tags, (std::vector<std::string>{"baseline", "old"}));
    QCOMPARE(notes.tagsModel()->stringList(), (QStringList{"baseline", "old"}));
    const QModelIndex current = window.runSelection()->currentIndex();
    QCOMPARE(current.data(RunListModel::RunIdRole).toLongLong(), run);
    QCOMPARE(current.siblingAtColumn(RunListModel::Tags).data().toString(),
             QString("baseline, old"));
    QCOMPARE(window.runSelection()->selectedRows().size(), 1);

    // The filter finds it by the new tag.
    auto* filter = window.findChild<QLineEdit*>("runFilter");
    QVERIFY(filter);
    QTest::keyClicks(filter, "baseline");
    QCOMPARE(window.runList()->rowCount(), 1);
    QCOMPARE(window.runList()->index(0, 0).data(RunListModel::RunIdRole).toLongLong(), run);

    // Remove it again with the Delete key on its chip: the filter hides the run.
    notes.tagsView()->setCurrentIndex(notes.tagsModel()->index(0));
    QTest::keyClick(notes.tagsView(), Qt::Key_Delete);
    QCOMPARE(store.load_run(run).run.tags, std::vector<std::string>{"old"});
    QCOMPARE(window.runList()->rowCount(), 0);
    QCOMPARE(notes.tagsModel()->stringList(), QStringList{"old"});
    filter->clear();
    QCOMPARE(window.runList()->rowCount(), 2);

    // Notes: added with the time written, deleted by the button.
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QTest::keyClicks(notes.noteEdit(), "switch learns reverse last");
    QTest::keyClick(notes.noteEdit(), Qt::Key_Return);
    auto stored = store.load_run(run).notes;
    QCOMPARE(stored.size(), size_t(2));
    QCOMPARE(stored[1].text, std::string("switch learns reverse last"));
    QVERIFY(stored[1].created_at_ms >= before - 1000);
    QCOMPARE(notes.notesModel()->rowCount(), 2);
    QCOMPARE(notes.notesModel()->index(1, NoteListModel::Time).data().toString(),
             QDateTime::fromMSecsSinceEpoch(stored[1].created_at_ms).toString("yyyy-MM-dd hh:mm"));
    notes.notesView()->selectRow(0);
    notes.deleteNoteButton()->click();
    stored = store.load_run(run).notes;
    QCOMPARE(stored.size(), size_t(1));
    QCOMPARE(stored[0].text, std::string("switch learns reverse last"));
    QCOMPARE(notes.notesModel()->rowCount(), 1);

    // Another run shown: its own (empty) tags and notes.
    window.showRun(other);
    QCOMPARE(notes.run(), other);
    QCOMPARE(notes.tagsModel()->rowCount(), 0);
    QCOMPARE(notes.notesModel()->rowCount(), 0);
    QVERIFY(window.deleteRun(other));
    QVERIFY(!notes.isEnabled());
  }

  // Group seeds: one row per setting with n and the mean AP; selecting the group compares its
  // runs (drawn as one mean line with a band); the choice is kept between sessions.
  void seed_groups_in_the_run_list() {
    const QString db = dir_.filePath("seeds.db");
    QList<qlonglong> seeds;
    int64_t single = 0;
    {
      store::Store store = store::Store::open(db.toStdString());
      const int64_t experiment = store.create_experiment("seeds", "{}");
      for (uint64_t seed = 0; seed < 3; ++seed)
        seeds << stored_run(store, experiment, "seq-lora", seed, 0.4 + 0.1 * double(seed));
      single = stored_run(store, experiment, "switchcit", 0, 0.9);
    }
    {
      MainWindow window(db);
      window.show();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      QVERIFY(!window.groupSeeds());
      QCOMPARE(window.runList()->rowCount(), 4);
      window.setGroupSeeds(true);
      QVERIFY(window.groupSeeds());
      QCOMPARE(window.runList()->rowCount(), 2);
      QModelIndex group;
      for (int r = 0; r < 2; ++r)
        if (SeedGroupModel::isGroup(window.runList()->index(r, 0)))
          group = window.runList()->index(r, 0);
      QVERIFY(group.isValid());
      QCOMPARE(group.siblingAtColumn(RunListModel::Seed).data().toString(), QString("n = 3"));
      QCOMPARE(group.siblingAtColumn(RunListModel::Ap).data().toString(),
               QString::fromUtf8("50.0 ± 10.0"));
      QCOMPARE(window.runList()->rowCount(group), 3);
      QVERIFY(row_of_run(window.runList(), single).isValid());

      // Selecting the group shows no single run; Compare takes all three.
      const int64_t shown = window.shownRun();
      window.runSelection()->setCurrentIndex(
          group, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
      QCOMPARE(window.shownRun(), shown);
      QVERIFY(window.compareRuns());
      QCOMPARE(window.compare().heatmapCount(), 3);
      bool band = false;
      const QCustomPlot* plot = window.compare().retentionPlot(0);
      for (int g = 0; g < plot->graphCount(); ++g)
        band |= plot->graph(g)->name() == "seq-lora (3 seeds)";
      QVERIFY(band);

      // The list re-read keeps the group selected.
      window.refreshRuns();
      QCOMPARE(window.runSelection()->selectedRows().size(), 1);
      group = window.runSelection()->selectedRows().first();  // the list was re-read
      QVERIFY(SeedGroupModel::isGroup(group));
      // A run inside the group, selected, is shown; ungrouping keeps it selected.
      const QModelIndex child = window.runList()->index(1, 0, group);
      window.runSelection()->setCurrentIndex(
          child, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
      const int64_t child_id = child.data(RunListModel::RunIdRole).toLongLong();
      QVERIFY(seeds.contains(child_id));
      QCOMPARE(window.shownRun(), child_id);
      window.setGroupSeeds(false);
      QCOMPARE(window.runList()->rowCount(), 4);
      QCOMPARE(window.runSelection()->currentIndex().data(RunListModel::RunIdRole).toLongLong(),
               child_id);
      window.setGroupSeeds(true);
      QCOMPARE(window.runSelection()->currentIndex().data(RunListModel::RunIdRole).toLongLong(),
               child_id);
    }
    MainWindow again(db);
    QVERIFY(again.groupSeeds());
    QCOMPARE(again.runList()->rowCount(), 2);
    again.setGroupSeeds(false);
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
