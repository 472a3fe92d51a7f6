// The experiment file as the window handles it, with the real engine offscreen (issue 21 item 6,
// issue 22): Save writes the draft and says when the engine refuses the file (its own error
// line); Run never rewrites a file the form has not changed and asks when it has; a malformed
// file is shown with its bad values flagged and is not run; Save As is on its key; the form fits
// a 1280x720 window without a horizontal scroll bar.
#include <QtTest>

#include <QAbstractButton>
#include <QDir>
#include <QFileDialog>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>

#include "tests/common/app_test_env.h"
#include "ui/experiment_designer.h"
#include "ui/experiment_draft.h"
#include "ui/main_window.h"
#include "ui/run_queue.h"

using namespace sy::ui;

namespace {

// How long the engine may take to answer (its schema, a file's check) on a busy machine.
constexpr int kEngineTimeoutMs = 60'000;

QByteArray readBytes(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return file.readAll();
}

void writeBytes(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(bytes);
}

// Waits until the window's form is built from the engine's schema.
void ready(MainWindow& window) {
  QTRY_VERIFY_WITH_TIMEOUT(window.designer().isSchemaKnown(), kEngineTimeoutMs);
}

void type(QWidget* widget, const QString& text) {
  auto* edit = qobject_cast<QLineEdit*>(widget);
  QVERIFY(edit);
  edit->selectAll();
  QTest::keyClick(edit, Qt::Key_Delete);
  QTest::keyClicks(edit, text);
}

// Answers the next modal question by clicking the button whose text starts with `answer`
// (e.g. "Run without"); records the question's text in *question.
void answerNext(const QString& answer, QString* question) {
  QTimer::singleShot(0, [answer, question] {
    QTRY_VERIFY(QApplication::activeModalWidget() != nullptr);
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    QVERIFY(box);
    *question = box->text() + QLatin1Char('\n') + box->informativeText();
    for (QAbstractButton* button : box->buttons()) {
      if (button->text().remove(QLatin1Char('&')).startsWith(answer)) {
        button->click();
        return;
      }
    }
    box->reject();
    QFAIL(qPrintable(QStringLiteral("no button \"%1\"").arg(answer)));
  });
}

// The engine arguments of the queue's jobs, each joined by spaces.
QStringList jobArguments(MainWindow& window) {
  QStringList out;
  for (int id : window.queue().jobIds())
    out << window.queue().job(id)->arguments.join(QLatin1Char(' '));
  return out;
}

// Stops whatever Run started and waits until nothing runs.
void stopRuns(MainWindow& window) {
  window.queue().cancelAll();
  QTRY_COMPARE_WITH_TIMEOUT(window.queue().runningCount() + window.queue().queuedCount(), 0,
                            kEngineTimeoutMs);
}

// A hand-written experiment: keys in the writer's order, odd indentation, numbers spelt their way.
const char kHandWritten[] =
    "{\n"
    "    \"training\" : { \"steps\": 75,   \"lr\": 2E-3, \"batch_size\": 8 },\n"
    "  \"tasks\": [ \"reverse\",\n"
    "             \"capitalize\" ],\n"
    "  \"name\":\"handmade\",\n"
    "\t\"strategies\": [\"seq-lora\"],\n"
    "  \"data\": {\"train_examples\": 100, \"test_examples\": 6}\n"
    "}\n";

}  // namespace

class TestExperimentWindow : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    sy::test::isolate_app(QDir(dir_.path()), SY_ENGINE_BIN);
  }

  // Saving keeps the draft as typed, and the engine's error line says why it would not run it.
  void saving_a_value_the_engine_refuses_says_so() {
    const QString path = dir_.filePath("refused.json");
    writeBytes(path, kHandWritten);
    MainWindow window(dir_.filePath("refused.db"));
    QVERIFY(window.openExperiment(path));
    ready(window);
    type(window.designer().fieldWidget("training.steps"), "1000000001");
    QVERIFY(window.saveExperiment());
    QVERIFY(readBytes(path).contains("1000000001"));  // the user's work is kept
    const QString line =
        "error: " + path + ": training.steps is 1000000001; expected 1 to 1000000000.";
    QTRY_VERIFY2_WITH_TIMEOUT(window.statusBar()->currentMessage().contains(line),
                              qPrintable(window.statusBar()->currentMessage()), kEngineTimeoutMs);
    auto* file_status = window.designer().findChild<QLabel*>("fileStatus");
    QVERIFY(file_status);
    QVERIFY2(file_status->isVisibleTo(&window.designer()) && file_status->text().contains(line),
             qPrintable(file_status->text()));
    // The Experiment tab is marked, its tooltip says why.
    const int tab = window.tabs().indexOf(window.tabs().findChild<QScrollArea*>());
    QVERIFY(tab >= 0);
    QVERIFY(!window.tabs().tabIcon(tab).isNull());
    QVERIFY2(window.tabs().tabToolTip(tab).contains(line),
             qPrintable(window.tabs().tabToolTip(tab)));
    // Fixed and saved again: the mark goes.
    type(window.designer().fieldWidget("training.steps"), "75");
    QVERIFY(window.saveExperiment());
    QTRY_VERIFY_WITH_TIMEOUT(window.tabs().tabIcon(tab).isNull(), kEngineTimeoutMs);
    QVERIFY(!file_status->isVisibleTo(&window.designer()));
  }

  // Run starts the file as it is on disk when the form has not changed it; with unsaved changes
  // it asks, and "Run without saving" runs a copy in the app's data folder.
  void run_leaves_the_users_file_as_it_is() {
    const QString path = dir_.filePath("handmade.json");
    writeBytes(path, kHandWritten);
    MainWindow window(dir_.filePath("handmade.db"));
    window.setQuick(true);
    QVERIFY(window.openExperiment(path));
    ready(window);
    QVERIFY(!window.isWindowModified());
    window.runExperiment();
    QCOMPARE(readBytes(path), QByteArray(kHandWritten));
    QStringList jobs = jobArguments(window);
    QCOMPARE(jobs.size(), 1);
    QVERIFY2(jobs[0].startsWith("run " + path + " "), qPrintable(jobs[0]));
    stopRuns(window);

    // An edit, then Run without saving: the user's file stays as it was.
    type(window.designer().fieldWidget("training.steps"), "80");
    QVERIFY(window.isWindowModified());
    QString question;
    answerNext("Run without saving", &question);
    window.runExperiment();
    QVERIFY2(question.contains("handmade.json"), qPrintable(question));
    QCOMPARE(readBytes(path), QByteArray(kHandWritten));
    QVERIFY(window.isWindowModified());
    jobs = jobArguments(window);
    QCOMPARE(jobs.size(), 1);
    const QString data = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QVERIFY2(jobs[0].startsWith("run " + data + "/"), qPrintable(jobs[0]));
    const QString copy = jobs[0].section(QLatin1Char(' '), 1, 1);
    QCOMPARE(QFileInfo(copy).fileName(), QStringLiteral("handmade.json"));  // the same run keys
    QVERIFY(readBytes(copy).contains("80"));
    stopRuns(window);

    // Cancel: nothing runs, nothing is written.
    answerNext("Cancel", &question);
    window.runExperiment();
    QCOMPARE(window.queue().jobIds().size(), 0);
    QCOMPARE(readBytes(path), QByteArray(kHandWritten));

    // Save and run: the edited value is written; the keys the form did not touch keep their
    // place, spacing and spelling.
    answerNext("Save and run", &question);
    window.runExperiment();
    const QByteArray saved = readBytes(path);
    QVERIFY2(saved.contains("\"steps\": 80,   \"lr\": 2E-3, \"batch_size\": 8 }"),
             saved.constData());
    QVERIFY2(saved.startsWith("{\n    \"training\" : {"), saved.constData());
    QVERIFY2(saved.contains("\"tasks\": [ \"reverse\",\n             \"capitalize\" ],\n"),
             saved.constData());
    QVERIFY(!window.isWindowModified());
    jobs = jobArguments(window);
    QCOMPARE(jobs.size(), 1);
    QVERIFY2(jobs[0].startsWith("run " + path + " "), qPrintable(jobs[0]));
    stopRuns(window);
  }

  // A file with bad values is shown as it is — every value it has, the bad ones flagged with
  // the reason, an unknown field named — and Run refuses it with that reason (issue 22).
  void a_malformed_file_is_shown_as_it_is() {
    const QString path = dir_.filePath("malformed.json");
    writeBytes(
        path,
        R"({"name": "malformed", "tasks": ["reverse"], "strategies": ["seq-lora", "seq-lorra"],
                   "data": 7, "training": {"steps": 0, "lr": 0.01}, "trainng": {"steps": 5}})");
    MainWindow window(dir_.filePath("malformed.db"));
    window.openExperiment(path);
    ready(window);
    ExperimentDesigner& form = window.designer();
    auto* steps = qobject_cast<QLineEdit*>(form.fieldWidget("training.steps"));
    auto* lr = qobject_cast<QLineEdit*>(form.fieldWidget("training.lr"));
    QVERIFY(steps && lr);
    QCOMPARE(steps->text(), QStringLiteral("0"));
    QCOMPARE(lr->text(), QStringLiteral("0.01"));
    QVERIFY2(steps->toolTip().contains("1 to 1000000000"), qPrintable(steps->toolTip()));
    QVERIFY(steps->styleSheet().contains("solid"));
    const QString problems = form.problems().join('\n');
    for (const char* named : {"trainng", "seq-lorra", "data"})
      QVERIFY2(problems.contains(named), qPrintable(problems));
    auto* problem_line = form.findChild<QLabel*>("problems");
    QVERIFY(problem_line);
    QVERIFY2(problem_line->isVisibleTo(&form) && problem_line->text().contains("trainng"),
             qPrintable(problem_line->text()));
    QVERIFY2(window.statusText().contains("trainng"), qPrintable(window.statusText()));
    QTimer closer;
    connect(&closer, &QTimer::timeout, [] {
      if (QWidget* box = QApplication::activeModalWidget()) box->close();
    });
    closer.start(50);
    window.runExperiment();
    QCOMPARE(window.queue().jobIds().size(), 0);
    QVERIFY2(window.statusText().contains("trainng"), qPrintable(window.statusText()));
    // Nothing of the file is lost by showing it: saved unchanged, it reads back the same.
    QVERIFY(window.saveExperiment(dir_.filePath("malformed-copy.json")));
    QCOMPARE(QJsonDocument::fromJson(readBytes(dir_.filePath("malformed-copy.json"))),
             QJsonDocument::fromJson(readBytes(path)));
  }

  // `switchyard --start` on such a file waits for the form, starts nothing and names the
  // reason; unattended (--screenshot) it exits 1.
  void start_refuses_a_malformed_file() {
    const QString path = dir_.filePath("start.json");
    writeBytes(path, R"({"tasks": ["reverse"], "strategies": ["seq-lora"], "trainng": {}})");
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("XDG_CONFIG_HOME", dir_.filePath("start-config"));
    app.setProcessEnvironment(env);
    app.start(QFileInfo(QStringLiteral(SY_ENGINE_BIN)).dir().filePath("switchyard"),
              {"--db", dir_.filePath("start.db"), "--start", "--screenshot",
               dir_.filePath("start.png"), path});
    QVERIFY(app.waitForFinished(kEngineTimeoutMs * 2));
    const QString err = QString::fromUtf8(app.readAllStandardError());
    QCOMPARE(app.exitCode(), 1);
    QVERIFY2(err.contains("error: start.json: trainng: not a known field"), qPrintable(err));
    QVERIFY(!QFileInfo::exists(dir_.filePath("start.png")));  // it stopped before any picture
  }

  // Ctrl+Shift+S asks for a name and saves there, with ".json" added.
  void save_as_on_its_key() {
    const QString path = dir_.filePath("keyed-source.json");
    writeBytes(path, kHandWritten);
    MainWindow window(dir_.filePath("keyed.db"));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openExperiment(path));
    ready(window);
    const QString target = dir_.filePath("keyed");
    QTimer::singleShot(0, [target] {
      QTRY_VERIFY(qobject_cast<QFileDialog*>(QApplication::activeModalWidget()));
      auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
      dialog->selectFile(target);
      QMetaObject::invokeMethod(dialog, "accept");
    });
    QTest::keyClick(&window, Qt::Key_S, Qt::ControlModifier | Qt::ShiftModifier);
    QTRY_VERIFY(QFileInfo::exists(target + ".json"));
    QCOMPARE(window.windowFilePath(), target + ".json");
    QVERIFY2(window.windowTitle().startsWith("keyed.json"), qPrintable(window.windowTitle()));
    QVERIFY2(window.statusBar()->currentMessage().contains("saved"),
             qPrintable(window.statusBar()->currentMessage()));
  }

  // Ctrl+S on a new experiment (no file yet) asks where, proposing the data folder, instead of
  // writing there without a word (and over an earlier experiment of the same name).
  void save_on_a_new_experiment_asks_where() {
    QSettings().remove("experiment");  // the window would reopen the one a test before opened
    MainWindow window(dir_.filePath("new.db"));
    QVERIFY(window.windowFilePath().isEmpty());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    ready(window);
    QString proposed;
    QTimer::singleShot(0, [&proposed] {
      QTRY_VERIFY(qobject_cast<QFileDialog*>(QApplication::activeModalWidget()));
      auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
      proposed = dialog->selectedFiles().value(0);
      QMetaObject::invokeMethod(dialog, "reject");
    });
    QTest::keyClick(&window, Qt::Key_S, Qt::ControlModifier);
    QTRY_VERIFY(!proposed.isEmpty());
    const QString data = dir_.filePath("data");
    QVERIFY2(proposed.startsWith(data) && proposed.endsWith(".json"), qPrintable(proposed));
    QVERIFY2(!QFileInfo::exists(proposed), qPrintable(proposed));  // cancelled: nothing written
    QVERIFY(window.windowFilePath().isEmpty());
  }

  // At 1280x720 the form fits its pane: no horizontal scroll bar, every button whole.
  void the_form_fits_a_1280x720_window() {
    MainWindow window(dir_.filePath("fit.db"));
    window.resize(1280, 720);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openExperiment(QStringLiteral(SWITCHYARD_SOURCE_DIR) +
                                  "/resources/experiments/demo.json"));
    ready(window);
    auto* page = window.tabs().findChild<QScrollArea*>();
    QVERIFY(page);
    window.tabs().setCurrentWidget(page);
    QApplication::processEvents();
    QTRY_COMPARE(window.size(), QSize(1280, 720));
    const int viewport = page->viewport()->width();
    QVERIFY2(window.designer().minimumSizeHint().width() <= viewport,
             qPrintable(QString("the form needs %1 px, the pane has %2")
                            .arg(window.designer().minimumSizeHint().width())
                            .arg(viewport)));
    QCOMPARE(page->horizontalScrollBar()->maximum(), 0);
    for (const char* name : {"addJsonlTask", "browseBaseModel", "addBuiltinTask"}) {
      auto* button = window.designer().findChild<QWidget*>(name);
      QVERIFY2(button, name);
      const QRect shown = QRect(button->mapTo(page->viewport(), QPoint(0, 0)), button->size());
      QVERIFY2(page->viewport()->rect().left() <= shown.left() &&
                   shown.right() <= page->viewport()->rect().right(),
               name);
    }
  }
};

QTEST_MAIN(TestExperimentWindow)
#include "test_experiment_window.moc"
