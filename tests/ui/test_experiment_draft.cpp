// The experiment draft without a form, on the real engine (SWITCHYARD_ENGINE, else
// SY_ENGINE_BIN): built from the engine's schema, checks at the schema's bounds that agree with
// the engine's own (each boundary value is also given to `switchyard-engine estimate`), the
// file's JSON in and out, strategy entries with their own settings, the memory estimate.
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

#include "ui/engine_process.h"
#include "ui/experiment_draft.h"

using sy::ui::DraftField;
using sy::ui::ExperimentDraft;

namespace {

// How long the engine may take to answer on a machine busy compiling.
constexpr int kEngineTimeoutMs = 60'000;

QJsonObject minimal() {
  return {{QStringLiteral("tasks"), QJsonArray{QStringLiteral("reverse")}},
          {QStringLiteral("strategies"), QJsonArray{QStringLiteral("seq-lora")}}};
}

// Whether the engine takes `experiment`: `estimate` reads and checks the whole file (exit 0), or
// names what it refuses (exit 1, one error line in *error).
bool engineAccepts(const QTemporaryDir& dir, const QJsonObject& experiment, QString* error) {
  const QString path = dir.filePath(QStringLiteral("bounds.json"));
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return false;
  file.write(QJsonDocument(experiment).toJson());
  file.close();
  QProcess engine;
  engine.start(sy::ui::EngineProcess::engineProgram(),
               {QStringLiteral("estimate"), path, QStringLiteral("--json")});
  engine.waitForFinished(kEngineTimeoutMs);
  *error = QString::fromUtf8(engine.readAllStandardError()).trimmed();
  return engine.exitStatus() == QProcess::NormalExit && engine.exitCode() == 0;
}

void ready(ExperimentDraft& draft) {
  QTRY_VERIFY_WITH_TIMEOUT(draft.isSchemaKnown(), kEngineTimeoutMs);
}

QString text(double value) {
  if (std::floor(value) == value && std::fabs(value) < 1e15)
    return QString::number(static_cast<qint64>(value));
  return QString::number(value, 'g', 17);
}

}  // namespace

class TestExperimentDraft : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void theSchemaComesFromTheEngine();
  void anEmptyDraftNeedsATaskAndAStrategy();
  void theDraftAndTheEngineAgreeAtEveryBound();
  void onlySetFieldsAreWritten();
  void strategyEntriesHaveTheirOwnSettings();
  void theFileRoundTrips();
  void savingKeepsTheFilesOwnText();
  void theEstimateComesFromTheEngine();
};

void TestExperimentDraft::initTestCase() {
  if (qEnvironmentVariableIsEmpty("SWITCHYARD_ENGINE")) qputenv("SWITCHYARD_ENGINE", SY_ENGINE_BIN);
}

void TestExperimentDraft::theSchemaComesFromTheEngine() {
  ExperimentDraft draft;
  QVERIFY(!draft.isSchemaKnown());  // asked without blocking
  QSignalSpy known(&draft, &ExperimentDraft::schemaKnown);
  QVERIFY(known.wait(kEngineTimeoutMs));
  QVERIFY(draft.builtinTasks().contains(QLatin1String("first-letters")));
  QStringList names;
  for (const sy::ui::DraftStrategy& s : draft.strategies()) names << s.name;
  QCOMPARE(names,
           (QStringList{"seq-ft", "seq-lora", "replay", "multitask", "oracle", "switchcit"}));
  // The experiment's default steps, as the engine states it.
  bool found = false;
  for (const DraftField& f : draft.fields()) {
    if (f.key != QLatin1String("training.steps")) continue;
    found = true;
    QCOMPARE(f.default_value.toInt(), 300);
    QCOMPARE(f.type, DraftField::Type::Integer);
  }
  QVERIFY(found);
  QCOMPARE(draft.entryCount(), names.size());  // one (unticked) entry per strategy

  // An engine that cannot be run: the draft says why, and knows no fields.
  qputenv("SWITCHYARD_ENGINE", "/nonexistent/switchyard-engine");
  ExperimentDraft orphan;
  qputenv("SWITCHYARD_ENGINE", SY_ENGINE_BIN);
  QSignalSpy failed(&orphan, &ExperimentDraft::schemaFailed);
  QVERIFY(failed.wait(kEngineTimeoutMs));
  QVERIFY2(orphan.schemaError().contains(QLatin1String("/nonexistent/switchyard-engine")),
           qPrintable(orphan.schemaError()));
  QVERIFY(orphan.fields().isEmpty());
}

void TestExperimentDraft::anEmptyDraftNeedsATaskAndAStrategy() {
  ExperimentDraft draft;
  ready(draft);
  QVERIFY(!draft.isValid());
  QCOMPARE(draft.problems().size(), 2);
  QVERIFY(!draft.problem(QStringLiteral("tasks")).isEmpty());
  QVERIFY(!draft.problem(QStringLiteral("strategies")).isEmpty());
  QSignalSpy validity(&draft, &ExperimentDraft::validityChanged);
  QSignalSpy changed(&draft, &ExperimentDraft::changed);
  draft.setTasks(QJsonArray{QStringLiteral("reverse")});
  draft.setTicked(QStringLiteral("seq-lora"), true);
  QVERIFY2(draft.isValid(), qPrintable(draft.problems().join(QLatin1Char('\n'))));
  QCOMPARE(changed.size(), 2);
  QCOMPARE(validity.size(), 1);
  QCOMPARE(validity.at(0).at(0).toBool(), true);

  // Two tasks of one name: refused, naming it.
  draft.setTasks(QJsonArray{QStringLiteral("reverse"), QStringLiteral("reverse")});
  QVERIFY(
      draft.problem(QStringLiteral("tasks")).contains(QLatin1String("\"reverse\" appears twice")));
}

// Every number the form takes, at and just beyond its bounds: the form refuses what the engine
// refuses and accepts what it accepts.
void TestExperimentDraft::theDraftAndTheEngineAgreeAtEveryBound() {
  ExperimentDraft draft;
  ready(draft);
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  int checked = 0;
  for (const DraftField& f : draft.fields()) {
    if (f.type != DraftField::Type::Integer && f.type != DraftField::Type::Number) continue;
    const bool integer = f.type == DraftField::Type::Integer;
    QList<QPair<double, bool>> values = {{f.min, true}, {f.max, true}};
    values << qMakePair(integer ? f.min - 1 : (f.min > 0 ? f.min / 2 : f.min - 1e-3), false);
    // Beyond the largest whole number the engine reads, the text is no number at all.
    if (f.max < 1e15)
      values << qMakePair(integer ? f.max + 1 : f.max + std::max(1e-3, f.max * 1e-3), false);
    for (const auto& [value, inside] : values) {
      draft.fromJson(minimal());
      draft.setText(f.key, text(value));
      const QString what = f.key + QStringLiteral(" = ") + text(value);
      QCOMPARE(draft.problem(f.key).isEmpty(), inside);
      QString error;
      const bool accepted = engineAccepts(dir, draft.toJson(), &error);
      QVERIFY2(accepted == inside, qPrintable(what + QStringLiteral(": the engine says ") +
                                              (error.isEmpty() ? QStringLiteral("yes") : error)));
      if (!inside) QVERIFY2(error.contains(f.key.section(QLatin1Char('.'), -1)), qPrintable(error));
      ++checked;
    }
  }
  QVERIFY2(checked >= 40, qPrintable(QString::number(checked)));
  // A strategy's own settings, the same way.
  for (const auto& [value, inside] :
       QList<QPair<double, bool>>{{0, true}, {1, true}, {-0.001, false}, {1.001, false}}) {
    draft.fromJson(minimal());
    draft.setTicked(QStringLiteral("replay"), true);
    draft.setStrategyText(QStringLiteral("replay"), QStringLiteral("fraction"), text(value));
    QCOMPARE(draft.isValid(), inside);
    QString error;
    QVERIFY2(engineAccepts(dir, draft.toJson(), &error) == inside, qPrintable(error));
  }
  // The device's spelling, as the engine's schema states it (its "pattern"): both sides agree.
  for (const auto& [device, inside] : QList<QPair<QString, bool>>{{"cpu", true},
                                                                  {"cuda", true},
                                                                  {"cuda:0", true},
                                                                  {"auto", true},
                                                                  {"cuda:x", false},
                                                                  {"gpu", false},
                                                                  {"CPU", false},
                                                                  {"cuda:", false}}) {
    draft.fromJson(minimal());
    draft.setText(QStringLiteral("device"), device);
    QVERIFY2(draft.problem(QStringLiteral("device")).isEmpty() == inside, qPrintable(device));
    QString error;
    QVERIFY2(engineAccepts(dir, draft.toJson(), &error) == inside,
             qPrintable(device + QStringLiteral(": the engine says ") +
                        (error.isEmpty() ? QStringLiteral("yes") : error)));
    if (!inside) QVERIFY2(error.contains(QLatin1String("device")), qPrintable(error));
  }
  // Words: a choice the engine does not have is refused by both.
  draft.fromJson(minimal());
  draft.setText(QStringLiteral("training.schedule"), QStringLiteral("exponential"));
  QVERIFY(!draft.isValid());
  QString error;
  QVERIFY(!engineAccepts(dir, draft.toJson(), &error));
  QVERIFY2(error.contains(QLatin1String("schedule")), qPrintable(error));
}

void TestExperimentDraft::onlySetFieldsAreWritten() {
  ExperimentDraft draft;
  ready(draft);
  draft.fromJson(minimal());
  QCOMPARE(draft.toJson(), minimal());  // nothing added: the engine's defaults apply
  draft.setText(QStringLiteral("training.steps"), QStringLiteral("120"));
  draft.setText(QStringLiteral("training.lora.r"), QStringLiteral("4"));
  draft.setText(QStringLiteral("seeds"), QStringLiteral("0, 1"));
  draft.setText(QStringLiteral("weights_dtype"), QStringLiteral("bf16"));
  const QJsonObject json = draft.toJson();
  const QJsonObject training = json.value(QLatin1String("training")).toObject();
  QCOMPARE(training.value(QLatin1String("steps")).toInteger(), 120);
  QCOMPARE(training.value(QLatin1String("lora")).toObject().value(QLatin1String("r")).toInteger(),
           4);
  QCOMPARE(json.value(QLatin1String("seeds")).toArray(), (QJsonArray{0, 1}));
  QCOMPARE(json.value(QLatin1String("weights_dtype")).toString(), QStringLiteral("bf16"));
  // Cleared again: the objects on the way go too.
  draft.setText(QStringLiteral("training.steps"), QString());
  draft.setText(QStringLiteral("training.lora.r"), QString());
  QVERIFY(!draft.toJson().contains(QLatin1String("training")));
  // A bad value is written as typed, so a saved draft keeps it and the engine names it.
  draft.setText(QStringLiteral("training.steps"), QStringLiteral("abc"));
  QCOMPARE(draft.toJson().value(QLatin1String("training")).toObject().value(QLatin1String("steps")),
           QJsonValue(QStringLiteral("abc")));
}

void TestExperimentDraft::strategyEntriesHaveTheirOwnSettings() {
  ExperimentDraft draft;
  ready(draft);
  draft.fromJson(minimal());
  draft.setStrategyText(QStringLiteral("replay"), QStringLiteral("fraction"), QStringLiteral("7"));
  QVERIFY(draft.isValid());  // replay is not ticked: its setting is neither checked nor written
  draft.setTicked(QStringLiteral("replay"), true);
  QVERIFY(!draft.isValid());
  QCOMPARE(
      draft.problems(),
      QStringList{QStringLiteral("replay fraction: expected a number from 0 to 1, got \"7\"")});
  draft.setStrategyText(QStringLiteral("replay"), QStringLiteral("fraction"),
                        QStringLiteral("0.05"));
  // seq-lora's own steps (an override of training.steps).
  draft.setStrategyText(QStringLiteral("seq-lora"), QStringLiteral("steps"), QStringLiteral("40"));
  QVERIFY(draft.isValid());
  QCOMPARE(draft.toJson().value(QLatin1String("strategies")).toArray(),
           (QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("seq-lora")},
                                   {QStringLiteral("steps"), 40}},
                       QJsonObject{{QStringLiteral("name"), QStringLiteral("replay")},
                                   {QStringLiteral("fraction"), 0.05}}}));

  // A second switchcit: an entry of its own, which needs its own label.
  QSignalSpy entries(&draft, &ExperimentDraft::entriesChanged);
  draft.setTicked(QStringLiteral("switchcit"), true);
  const int second = draft.addEntry(QStringLiteral("switchcit"));
  QCOMPARE(entries.size(), 1);
  QVERIFY(!draft.isFirstEntry(second));
  QVERIFY(draft.isEntryTicked(second));
  QVERIFY(draft.problem(QStringLiteral("strategies")).contains(QLatin1String("own label")));
  draft.setEntryText(second, QStringLiteral("label"), QStringLiteral("switchcit-small"));
  draft.setEntryText(second, QStringLiteral("retention"), QStringLiteral("0.001"));
  QVERIFY2(draft.isValid(), qPrintable(draft.problems().join(QLatin1Char('\n'))));
  QCOMPARE(draft.entryTitle(second), QStringLiteral("switchcit (switchcit-small)"));
  const QJsonArray strategies = draft.toJson().value(QLatin1String("strategies")).toArray();
  QCOMPARE(strategies.size(), 4);
  QCOMPARE(strategies[3].toObject(),
           (QJsonObject{{QStringLiteral("name"), QStringLiteral("switchcit")},
                        {QStringLiteral("label"), QStringLiteral("switchcit-small")},
                        {QStringLiteral("retention"), 0.001}}));
  QTemporaryDir dir;
  QString error;
  QVERIFY2(engineAccepts(dir, draft.toJson(), &error), qPrintable(error));
  draft.removeEntry(second);
  QCOMPARE(draft.toJson().value(QLatin1String("strategies")).toArray().size(), 3);
}

void TestExperimentDraft::theFileRoundTrips() {
  const QString demo_path =
      QStringLiteral(SWITCHYARD_SOURCE_DIR) + QStringLiteral("/resources/experiments/demo.json");
  QFile file(demo_path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QJsonObject demo = QJsonDocument::fromJson(file.readAll()).object();

  // Loaded before the engine has answered: kept as it is, and the same once it has.
  ExperimentDraft draft;
  QString error;
  QVERIFY2(draft.load(demo_path, &error), qPrintable(error));
  QCOMPARE(draft.path(), demo_path);
  QCOMPARE(draft.toJson(), demo);
  QSignalSpy changed(&draft, &ExperimentDraft::changed);
  ready(draft);
  QCOMPARE(changed.size(), 0);  // the schema's arrival is no edit of the user's
  QVERIFY2(draft.isValid(), qPrintable(draft.problems().join(QLatin1Char('\n'))));
  QCOMPARE(draft.text(QStringLiteral("training.steps")), QStringLiteral("300"));
  QCOMPARE(draft.toJson(), demo);

  QTemporaryDir dir;
  const QString saved = dir.filePath(QStringLiteral("demo.json"));
  QVERIFY2(draft.save(saved, &error), qPrintable(error));
  ExperimentDraft again;
  ready(again);
  QVERIFY2(again.load(saved, &error), qPrintable(error));
  QCOMPARE(again.toJson(), demo);

  QVERIFY(!again.isModified());

  // What the form cannot show is kept as the file has it, named, and written back where it was
  // (issue 22: a malformed file is shown as it is).
  const QJsonObject odd{
      {QStringLiteral("tasks"), QStringLiteral("reverse")},
      {QStringLiteral("strategies"), QJsonArray{QStringLiteral("ewc"), QStringLiteral("oracle")}},
      {QStringLiteral("data"), 7},
      {QStringLiteral("training"), QJsonObject{{QStringLiteral("stepz"), 5}}},
      {QStringLiteral("trainng"), QJsonObject{}}};
  draft.fromJson(odd);
  QCOMPARE(draft.toJson(), odd);
  QVERIFY(!draft.isValid());
  const QStringList problems = draft.problems();
  QVERIFY2(problems.first().startsWith(QLatin1String("trainng: not a known field")),
           qPrintable(problems.join(QLatin1Char('\n'))));
  for (const char* line : {"training.stepz: not a known field", "data: expected an object, got 7",
                           "tasks: expected a list of tasks, got \"reverse\"",
                           "strategies[0]: \"ewc\" is not a strategy"}) {
    QVERIFY2(problems.join(QLatin1Char('\n')).contains(QLatin1String(line)), line);
  }
  QVERIFY(draft.isTicked(QStringLiteral("oracle")));
  // Edited, the unknown entry stays in its place.
  draft.setStrategyText(QStringLiteral("oracle"), QStringLiteral("steps"), QStringLiteral("20"));
  const QJsonArray strategies = draft.toJson().value(QLatin1String("strategies")).toArray();
  QCOMPARE(strategies.size(), 2);
  QCOMPARE(strategies.at(0).toString(), QStringLiteral("ewc"));
  QCOMPARE(strategies.at(1).toObject().value(QLatin1String("steps")).toInt(), 20);
}

// Saved over the file it came from, the draft changes only the bytes of what was changed: the
// keys' order, the spacing and the numbers' spelling of the rest stay (issue 21, 6).
void TestExperimentDraft::savingKeepsTheFilesOwnText() {
  ExperimentDraft draft;
  ready(draft);
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("hand.json"));
  const QByteArray text =
      "{\n"
      "  \"tasks\": [\"reverse\",   \"capitalize\"],\n"
      "  \"training\": {\"steps\": 1E2, \"lr\": 2e-3,\n"
      "               \"batch_size\": 8},\n"
      "  \"name\": \"hand\",\n"
      "  \"strategies\": [\"seq-lora\", {\"name\": \"replay\", \"fraction\": 0.50}]\n"
      "}\n";
  {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text);
  }
  QString error;
  QVERIFY2(draft.load(path, &error), qPrintable(error));
  QVERIFY(!draft.isModified());
  QVERIFY(draft.save(path, &error));
  auto bytes = [&path] {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
  };
  QCOMPARE(bytes(), text);  // nothing changed: not one byte

  draft.setText(QStringLiteral("training.lr"), QStringLiteral("0.001"));
  draft.setText(QStringLiteral("training.batch_size"), QString());  // back to the default
  draft.setText(QStringLiteral("data.seed"), QStringLiteral("3"));  // a new group
  draft.setStrategyText(QStringLiteral("replay"), QStringLiteral("fraction"),
                        QStringLiteral("0.25"));
  QVERIFY(draft.isModified());
  const QJsonObject json = draft.toJson();
  QVERIFY(draft.save(path, &error));
  QVERIFY(!draft.isModified());
  const QByteArray saved = bytes();
  QCOMPARE(QJsonDocument::fromJson(saved).object(), json);
  QVERIFY2(saved.startsWith("{\n  \"tasks\": [\"reverse\",   \"capitalize\"],\n"
                            "  \"training\": {\"steps\": 1E2, \"lr\": 0.001}"),
           saved.constData());
  QVERIFY2(saved.contains("\"fraction\": 0.25}]"), saved.constData());
  QVERIFY2(saved.contains("\"name\": \"hand\",\n"), saved.constData());
  QVERIFY2(saved.contains("\"data\": {\"seed\": 3}"), saved.constData());
}

void TestExperimentDraft::theEstimateComesFromTheEngine() {
  ExperimentDraft draft;
  ready(draft);
  // A valid draft is estimated.
  QSignalSpy estimated(&draft, &ExperimentDraft::estimated);
  draft.fromJson(minimal());
  QVERIFY(estimated.wait(kEngineTimeoutMs));
  QVERIFY2(estimated.last().at(0).toString().startsWith(QLatin1String("needs about")),
           qPrintable(estimated.last().at(0).toString()));
}

QTEST_GUILESS_MAIN(TestExperimentDraft)
#include "test_experiment_draft.moc"
