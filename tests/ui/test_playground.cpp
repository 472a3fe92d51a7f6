// The "Ask the model" playground (ui/serve_client, ui/playground). Most checks run against a
// /bin/sh stand-in for `switchyard-engine serve` that speaks its JSON-lines protocol with canned
// answers (echoing the forced adapter) and logs every request line, since the real engine can
// neither answer out of order nor fail on cue. real_engine_answers asks the real engine.
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

#include "ui/custom_plot.h"
#include "ui/playground.h"
#include "ui/serve_client.h"

using sy::ui::Playground;
using sy::ui::ServeClient;

// Declared before the fake engine script: moc (Qt 6.4) cannot lex the raw string below, and loses
// any class after it.
class TestPlayground : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void init();
  void cleanup();
  void clientLoadsAndAnswers();
  void clientMatchesResponsesById();
  void clientReportsErrorLine();
  void clientReportsExit();
  void clientReportsMissingProgram();
  void playgroundShowsAnswerAndBars();
  void playgroundForcesAdapter();
  void playgroundWithoutRouter();
  void playgroundShowsEngineDeath();
  void playgroundShowsRefusedLoad();
  void playgroundRestartsOnNewDatabase();
  void real_engine_answers();

 private:
  // Writes the fake engine in `mode`; its requests are logged to logPath().
  QString fakeEngine(const QString& mode);
  QString logPath() const { return dir_->filePath(QStringLiteral("requests.log")); }
  QString dbPath() const { return dir_->filePath(QStringLiteral("runs.db")); }

  std::unique_ptr<QTemporaryDir> dir_;
};

namespace {

constexpr int kFakeTimeoutMs = 10'000;
// A quick run takes ~5 s alone and serve loads a model; the limits leave room for a busy machine.
constexpr int kRunTimeoutMs = 300'000;
constexpr int kServeTimeoutMs = 180'000;

const char kExperiment[] = R"({"name":"p","tasks":["reverse","capitalize"],)"
                           R"("data":{"train_examples":100,"test_examples":6},)"
                           R"("training":{"steps":75,"batch_size":8,"precision":"fp32"},)"
                           R"("strategies":["switchcit"],"evaluation":{"max_new_tokens":12}})";

// @LOG@ and @MODE@ are filled in per script. Modes: normal, swap (answers the first two requests
// in reverse order), no_router (a seq-lora-like run), load_fails (refuses the load and says so on
// stderr), dies_on_ask, exit_at_start.
const char kFakeEngine[] = R"SH(#!/bin/sh
log='@LOG@'
mode='@MODE@'
[ "$1" = serve ] || { echo 'error: unknown command' >&2; exit 2; }
if [ "$mode" = exit_at_start ]; then echo 'error: cannot open database "x.db"' >&2; exit 1; fi
echo '{"ok":true,"ready":true,"version":"0.1.0"}'
field() { printf '%s' "$1" | sed -n -E "s/.*\"$2\":(\"[a-z]*\"|null|[0-9]+).*/\1/p"; }
respond() {
  id=$(field "$1" id)
  op=$(field "$1" op)
  case "$op" in
    '"quit"') exit 0 ;;
    '"load"')
      run=$(field "$1" run)
      if [ "$mode" = load_fails ]; then
        echo "error: run $run not found" >&2
        echo "{\"id\":$id,\"ok\":false,\"error\":\"run $run not found\"}"
      elif [ "$mode" = no_router ]; then
        echo "{\"id\":$id,\"ok\":true,\"run\":$run,\"label\":\"seq-lora\",\"strategy\":\"seq-lora\",\"tasks\":[\"reverse\",\"capitalize\"],\"adapters\":[1],\"router\":false}"
      else
        echo "{\"id\":$id,\"ok\":true,\"run\":$run,\"label\":\"switchcit\",\"strategy\":\"switchcit\",\"tasks\":[\"reverse\",\"capitalize\"],\"adapters\":[0,1],\"router\":true}"
      fi ;;
    '"ask"')
      if [ "$mode" = dies_on_ask ]; then echo 'error: out of memory' >&2; exit 1; fi
      adapter=$(field "$1" adapter)
      if [ "$mode" = no_router ]; then
        echo "{\"id\":$id,\"ok\":true,\"answer\":\"plain answer\",\"adapter\":null,\"routed\":null,\"probabilities\":null}"
      else
        echo "{\"id\":$id,\"ok\":true,\"answer\":\"adapter=$adapter\",\"adapter\":$adapter,\"routed\":1,\"probabilities\":[0.25,0.75]}"
      fi ;;
  esac
}
if [ "$mode" = swap ]; then
  IFS= read -r first; printf '%s\n' "$first" >> "$log"
  IFS= read -r second; printf '%s\n' "$second" >> "$log"
  respond "$second"
  respond "$first"
fi
while IFS= read -r line; do printf '%s\n' "$line" >> "$log"; respond "$line"; done
)SH";

QList<QJsonObject> readLog(const QString& path) {
  QList<QJsonObject> out;
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return out;
  for (const QByteArray& line : file.readAll().split('\n')) {
    if (!line.isEmpty()) out.append(QJsonDocument::fromJson(line).object());
  }
  return out;
}

QString enginePath() {
  const QString from_env = qEnvironmentVariable("SWITCHYARD_ENGINE");
  return from_env.isEmpty() ? QStringLiteral(SY_ENGINE_BIN) : from_env;
}

}  // namespace

void TestPlayground::init() {
  dir_ = std::make_unique<QTemporaryDir>();
  QVERIFY(dir_->isValid());
}

void TestPlayground::cleanup() {
  dir_.reset();
}

QString TestPlayground::fakeEngine(const QString& mode) {
  QString script = QString::fromUtf8(kFakeEngine);
  script.replace(QLatin1String("@LOG@"), logPath()).replace(QLatin1String("@MODE@"), mode);
  const QString path = dir_->filePath(QStringLiteral("fake-engine-") + mode);
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(script.toUtf8()) < 0) return {};
  file.close();
  file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
  return path;
}

void TestPlayground::clientLoadsAndAnswers() {
  ServeClient client;
  client.setProgram(fakeEngine(QStringLiteral("normal")));
  QSignalSpy ready(&client, &ServeClient::ready);
  QSignalSpy loaded(&client, &ServeClient::loaded);
  QSignalSpy answered(&client, &ServeClient::answered);
  QSignalSpy failed(&client, &ServeClient::failed);
  client.start(dbPath());
  QVERIFY(client.isRunning());
  QVERIFY(!client.isReady());
  // Made before the ready line: held, then sent in order.
  const int load_id = client.load(7);
  const int ask_id = client.ask(QStringLiteral("Reverse the words."), QStringLiteral("a \"b\" c"),
                                std::nullopt, 16);
  QVERIFY(load_id > 0);
  QCOMPARE(ask_id, load_id + 1);
  QVERIFY(client.isPending(load_id));
  QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, kFakeTimeoutMs);
  QCOMPARE(ready.size(), 1);
  QVERIFY(client.isReady());
  QCOMPARE(loaded.size(), 1);
  QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
  const QJsonObject load = loaded.at(0).at(0).toJsonObject();
  QCOMPARE(load.value(QLatin1String("id")).toInt(), load_id);
  QCOMPARE(load.value(QLatin1String("run")).toInt(), 7);
  const QJsonObject answer = answered.at(0).at(0).toJsonObject();
  QCOMPARE(answer.value(QLatin1String("id")).toInt(), ask_id);
  QCOMPARE(answer.value(QLatin1String("answer")).toString(), QStringLiteral("adapter=null"));
  QCOMPARE(client.pendingCount(), 0);

  // The requests as the engine read them: one compact object per line.
  const QList<QJsonObject> requests = readLog(logPath());
  QCOMPARE(requests.size(), 2);
  QCOMPARE(requests[0].value(QLatin1String("op")).toString(), QStringLiteral("load"));
  QCOMPARE(requests[0].value(QLatin1String("run")).toInt(), 7);
  QCOMPARE(requests[1].value(QLatin1String("op")).toString(), QStringLiteral("ask"));
  QCOMPARE(requests[1].value(QLatin1String("input")).toString(), QStringLiteral("a \"b\" c"));
  QVERIFY(requests[1].value(QLatin1String("adapter")).isNull());
  QCOMPARE(requests[1].value(QLatin1String("max_new_tokens")).toInt(), 16);

  // stop() sends quit; the process goes without a failure.
  client.stop();
  QVERIFY(!client.isRunning());
  QTRY_COMPARE_WITH_TIMEOUT(readLog(logPath()).size(), 3, kFakeTimeoutMs);
  QCOMPARE(readLog(logPath()).last().value(QLatin1String("op")).toString(), QStringLiteral("quit"));
  QTest::qWait(100);
  QVERIFY(failed.isEmpty());
}

void TestPlayground::clientMatchesResponsesById() {
  ServeClient client;
  client.setProgram(fakeEngine(QStringLiteral("swap")));
  QSignalSpy ready(&client, &ServeClient::ready);
  QList<QPair<QString, int>> order;  // which signal carried which response id, in arrival order
  connect(&client, &ServeClient::loaded, this, [&](const QJsonObject& r) {
    order.append({QStringLiteral("loaded"), r.value(QLatin1String("id")).toInt()});
  });
  connect(&client, &ServeClient::answered, this, [&](const QJsonObject& r) {
    order.append({QStringLiteral("answered"), r.value(QLatin1String("id")).toInt()});
  });
  client.start(dbPath());
  QVERIFY(ready.wait(kFakeTimeoutMs));
  // Both in flight at once; the fake answers the second first.
  const int load_id = client.load(3);
  const int ask_id = client.ask(QStringLiteral("Capitalize."), QString(), 1, 8);
  QTRY_COMPARE_WITH_TIMEOUT(order.size(), 2, kFakeTimeoutMs);
  QCOMPARE(order[0], qMakePair(QStringLiteral("answered"), ask_id));
  QCOMPARE(order[1], qMakePair(QStringLiteral("loaded"), load_id));
}

void TestPlayground::clientReportsErrorLine() {
  ServeClient client;
  client.setProgram(fakeEngine(QStringLiteral("dies_on_ask")));
  QSignalSpy failed(&client, &ServeClient::failed);
  client.start(dbPath());
  client.ask(QStringLiteral("x"), QString(), std::nullopt, 4);
  QTRY_VERIFY_WITH_TIMEOUT(!client.isRunning(), kFakeTimeoutMs);
  QVERIFY(!failed.isEmpty());
  for (const QList<QVariant>& args : failed)
    QCOMPARE(args.at(0).toString(), QStringLiteral("error: out of memory"));
  QVERIFY(client.stderrTail().contains(QStringLiteral("error: out of memory")));
  QCOMPARE(client.pendingCount(), 0);
}

void TestPlayground::clientReportsExit() {
  ServeClient client;
  client.setProgram(fakeEngine(QStringLiteral("exit_at_start")));
  QSignalSpy failed(&client, &ServeClient::failed);
  QSignalSpy ready(&client, &ServeClient::ready);
  client.start(dbPath());
  client.load(1);
  QTRY_VERIFY_WITH_TIMEOUT(!client.isRunning(), kFakeTimeoutMs);
  QTest::qWait(50);
  QCOMPARE(ready.size(), 0);
  QVERIFY(!failed.isEmpty());
  QCOMPARE(failed.last().at(0).toString(), QStringLiteral("error: cannot open database \"x.db\""));
}

void TestPlayground::clientReportsMissingProgram() {
  ServeClient client;
  client.setProgram(dir_->filePath(QStringLiteral("no-such-engine")));
  QSignalSpy failed(&client, &ServeClient::failed);
  client.start(dbPath());
  client.load(1);
  QVERIFY(failed.wait(kFakeTimeoutMs));
  QVERIFY2(failed.at(0).at(0).toString().startsWith(QLatin1String("cannot start the engine")),
           qPrintable(failed.at(0).at(0).toString()));
  QVERIFY(!client.isRunning());
  // A request with no engine fails too, rather than waiting for ever.
  QCOMPARE(client.ask(QStringLiteral("x"), QString(), std::nullopt, 4), 0);
  QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, kFakeTimeoutMs);
}

void TestPlayground::playgroundShowsAnswerAndBars() {
  Playground playground;
  playground.setProgram(fakeEngine(QStringLiteral("normal")));
  playground.setDatabase(dbPath());
  playground.resize(600, 500);
  playground.show();
  playground.setRun(7);
  QTRY_VERIFY_WITH_TIMEOUT(playground.isLoaded(), kFakeTimeoutMs);
  QCOMPARE(playground.tasks(),
           QStringList({QStringLiteral("reverse"), QStringLiteral("capitalize")}));
  QVERIFY(playground.hasRouter());
  // Before the first question: a sentence saying what appears, not empty axes.
  QVERIFY(!playground.plot()->isVisible());
  QVERIFY2(playground.plotNoteText().startsWith(QLatin1String("Ask a question")),
           qPrintable(playground.plotNoteText()));

  QComboBox* combo = playground.adapterCombo();
  QCOMPARE(combo->count(), 3);
  QCOMPARE(combo->itemText(0), QStringLiteral("switch decides"));
  QVERIFY(!combo->itemData(0).isValid());
  QVERIFY(combo->itemText(1).contains(QLatin1String("reverse")));
  QCOMPARE(combo->itemData(1).toInt(), 0);
  QVERIFY(combo->itemText(2).contains(QLatin1String("capitalize")));
  QCOMPARE(combo->itemData(2).toInt(), 1);

  QSignalSpy shown(&playground, &Playground::answerShown);
  playground.instructionEdit()->setText(QStringLiteral("Reverse the order of the words."));
  playground.inputEdit()->setPlainText(QStringLiteral("red green blue"));
  QTest::mouseClick(playground.askButton(), Qt::LeftButton);
  QVERIFY(!playground.askButton()->isEnabled());  // one question at a time
  QVERIFY(shown.wait(kFakeTimeoutMs));
  QVERIFY(playground.askButton()->isEnabled());
  QCOMPARE(playground.answerText(), QStringLiteral("adapter=null"));
  QCOMPARE(playground.probabilities(), QVector<double>({0.25, 0.75}));
  QCOMPARE(playground.routedTask(), 1);
  QVERIFY(playground.statusText().contains(QLatin1String("capitalize")));

  // One bar per task with the switch's probabilities; the routed one drawn again, highlighted.
  QCPBars* bars = playground.bars();
  QCOMPARE(bars->data()->size(), 2);
  QCOMPARE(bars->data()->at(0)->value, 0.25);
  QCOMPARE(bars->data()->at(1)->value, 0.75);
  QCPBars* routed = playground.routedBar();
  QCOMPARE(routed->data()->size(), 1);
  QCOMPARE(routed->data()->at(0)->key, 1.0);
  QCOMPARE(routed->data()->at(0)->value, 0.75);
  QVERIFY(routed->brush().color() != bars->brush().color());
  QVERIFY(playground.plot()->isVisible());
  QVERIFY(playground.plotNoteText().isEmpty());

  const QJsonObject ask = readLog(logPath()).last();
  QCOMPARE(ask.value(QLatin1String("instruction")).toString(),
           QStringLiteral("Reverse the order of the words."));
  QCOMPARE(ask.value(QLatin1String("input")).toString(), QStringLiteral("red green blue"));
  QCOMPARE(ask.value(QLatin1String("max_new_tokens")).toInt(), Playground::kDefaultMaxNewTokens);
}

void TestPlayground::playgroundForcesAdapter() {
  Playground playground;
  playground.setProgram(fakeEngine(QStringLiteral("normal")));
  playground.setDatabase(dbPath());
  playground.show();
  QVERIFY(QTest::qWaitForWindowExposed(&playground));
  playground.setRun(7);
  QTRY_VERIFY_WITH_TIMEOUT(playground.isLoaded(), kFakeTimeoutMs);
  playground.instructionEdit()->setText(QStringLiteral("Capitalize the text."));
  QSignalSpy shown(&playground, &Playground::answerShown);

  for (int index : {1, 2}) {
    playground.adapterCombo()->setCurrentIndex(index);
    const int position = playground.adapterCombo()->itemData(index).toInt();
    playground.ask();
    QVERIFY(shown.wait(kFakeTimeoutMs));
    QCOMPARE(readLog(logPath()).last().value(QLatin1String("adapter")).toInt(-1), position);
    QCOMPARE(playground.answerText(), QStringLiteral("adapter=%1").arg(position));
    // The switch's view is still drawn when an adapter is forced.
    QCOMPARE(playground.probabilities().size(), 2);
    QCOMPARE(playground.routedTask(), 1);
    QVERIFY(playground.statusText().contains(playground.tasks().at(position)));
  }

  // Ctrl+Return from the input box asks too.
  playground.activateWindow();
  playground.inputEdit()->setFocus();
  if (QTest::qWaitForWindowActive(&playground)) {
    playground.adapterCombo()->setCurrentIndex(0);
    QTest::keyClick(playground.inputEdit(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(shown.wait(kFakeTimeoutMs));
    QCOMPARE(playground.answerText(), QStringLiteral("adapter=null"));
  } else {
    qWarning("window not active on this platform; Ctrl+Return not checked");
  }
}

void TestPlayground::playgroundWithoutRouter() {
  Playground playground;
  playground.setProgram(fakeEngine(QStringLiteral("no_router")));
  playground.setDatabase(dbPath());
  playground.show();
  playground.setRun(2);
  QTRY_VERIFY_WITH_TIMEOUT(playground.isLoaded(), kFakeTimeoutMs);
  QVERIFY(!playground.hasRouter());
  QCOMPARE(playground.adapterCombo()->count(), 2);
  QVERIFY(playground.adapterCombo()->itemText(1).contains(QLatin1String("capitalize")));
  QCOMPARE(playground.adapterCombo()->itemData(1).toInt(), 1);
  QSignalSpy shown(&playground, &Playground::answerShown);
  playground.instructionEdit()->setText(QStringLiteral("Capitalize."));
  playground.ask();
  QVERIFY(shown.wait(kFakeTimeoutMs));
  QCOMPARE(playground.answerText(), QStringLiteral("plain answer"));
  QVERIFY(playground.probabilities().isEmpty());
  QCOMPARE(playground.routedTask(), -1);
  QCOMPARE(playground.bars()->data()->size(), 0);
  QVERIFY(!playground.plot()->isVisible());
}

void TestPlayground::playgroundShowsEngineDeath() {
  Playground playground;
  playground.setProgram(fakeEngine(QStringLiteral("dies_on_ask")));
  playground.setDatabase(dbPath());
  playground.setRun(7);
  QTRY_VERIFY_WITH_TIMEOUT(playground.isLoaded(), kFakeTimeoutMs);
  QSignalSpy failures(&playground, &Playground::failureShown);
  playground.instructionEdit()->setText(QStringLiteral("Reverse."));
  playground.ask();
  QTRY_VERIFY_WITH_TIMEOUT(!playground.client()->isRunning(), kFakeTimeoutMs);
  QVERIFY(!failures.isEmpty());
  QCOMPARE(playground.statusText(), QStringLiteral("error: out of memory"));
  QVERIFY(playground.askButton()->isEnabled());
  QVERIFY(!playground.isLoaded());
  QVERIFY(playground.answerText().isEmpty());

  // The next question starts a fresh engine (which dies again, and says so again).
  failures.clear();
  playground.ask();
  QVERIFY(playground.client()->isRunning());
  QTRY_VERIFY_WITH_TIMEOUT(!failures.isEmpty() && !playground.client()->isRunning(),
                           kFakeTimeoutMs);
  QCOMPARE(playground.statusText(), QStringLiteral("error: out of memory"));
}

void TestPlayground::playgroundShowsRefusedLoad() {
  Playground playground;
  playground.setProgram(fakeEngine(QStringLiteral("load_fails")));
  playground.setDatabase(dbPath());
  QSignalSpy failures(&playground, &Playground::failureShown);
  playground.setRun(42);
  // Both the stderr line and the refusal arrive, in either order.
  QTRY_COMPARE_WITH_TIMEOUT(failures.size(), 2, kFakeTimeoutMs);
  QVERIFY2(playground.statusText().contains(QLatin1String("run 42 not found")),
           qPrintable(playground.statusText()));
  QVERIFY(!playground.isLoaded());
  QCOMPARE(playground.adapterCombo()->count(), 1);
  QVERIFY(playground.client()->isRunning());  // a refusal does not end the engine
}

void TestPlayground::playgroundRestartsOnNewDatabase() {
  Playground playground;
  playground.setProgram(fakeEngine(QStringLiteral("normal")));
  playground.setDatabase(dbPath());
  playground.setRun(7);
  QTRY_VERIFY_WITH_TIMEOUT(playground.isLoaded(), kFakeTimeoutMs);
  const QString other = dir_->filePath(QStringLiteral("other.db"));
  playground.setDatabase(other);
  QVERIFY(!playground.client()->isRunning());  // lazily: nothing starts until the next use
  QVERIFY(!playground.isLoaded());
  QSignalSpy shown(&playground, &Playground::answerShown);
  playground.instructionEdit()->setText(QStringLiteral("Reverse."));
  playground.ask();
  QVERIFY(playground.client()->isRunning());
  QCOMPARE(playground.client()->databasePath(), other);
  QVERIFY(shown.wait(kFakeTimeoutMs));
  QVERIFY(playground.isLoaded());  // the run was loaded again before the question
  QCOMPARE(playground.answerText(), QStringLiteral("adapter=null"));
}

void TestPlayground::real_engine_answers() {
  const QString engine = enginePath();
  const QString experiment = dir_->filePath(QStringLiteral("p.json"));
  {
    QFile file(experiment);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(kExperiment);
  }
  QProcess run;
  run.setProcessChannelMode(QProcess::ForwardedErrorChannel);
  run.start(engine, {QStringLiteral("run"), experiment, QStringLiteral("--quick"),
                     QStringLiteral("--db"), dbPath()});
  QVERIFY(run.waitForFinished(kRunTimeoutMs));
  QCOMPARE(run.exitStatus(), QProcess::NormalExit);
  QCOMPARE(run.exitCode(), 0);

  Playground playground;
  playground.setProgram(engine);
  playground.setDatabase(dbPath());
  QSignalSpy failures(&playground, &Playground::failureShown);
  playground.setRun(1);
  QTRY_VERIFY2_WITH_TIMEOUT(playground.isLoaded() || !failures.isEmpty(),
                            qPrintable(playground.statusText()), kServeTimeoutMs);
  QVERIFY2(failures.isEmpty(), qPrintable(failures.value(0).value(0).toString()));
  QCOMPARE(playground.tasks(),
           QStringList({QStringLiteral("reverse"), QStringLiteral("capitalize")}));
  QVERIFY(playground.hasRouter());
  QCOMPARE(playground.adapterCombo()->count(), 3);

  QSignalSpy shown(&playground, &Playground::answerShown);
  playground.instructionEdit()->setText(QStringLiteral("Reverse the order of the words."));
  playground.inputEdit()->setPlainText(QStringLiteral("red green blue"));
  playground.maxTokensBox()->setValue(12);
  playground.ask();
  QTRY_VERIFY2_WITH_TIMEOUT(!shown.isEmpty() || !failures.isEmpty(),
                            qPrintable(playground.statusText()), kServeTimeoutMs);
  QVERIFY2(failures.isEmpty(), qPrintable(failures.value(0).value(0).toString()));
  qInfo() << "answer:" << playground.answerText() << "p:" << playground.probabilities()
          << "routed:" << playground.routedTask();
  QVERIFY(!playground.answerText().trimmed().isEmpty());
  const QVector<double> p = playground.probabilities();
  QCOMPARE(p.size(), 2);
  QVERIFY(qAbs(p[0] + p[1] - 1.0) < 1e-3);
  QVERIFY(playground.routedTask() == 0 || playground.routedTask() == 1);
  QCOMPARE(playground.bars()->data()->size(), 2);
}

QTEST_MAIN(TestPlayground)
#include "test_playground.moc"
