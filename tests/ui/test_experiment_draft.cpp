// The experiment draft without a form: values, checks, the file's JSON in and out, the engine's
// task list and memory estimate (the real engine: SWITCHYARD_ENGINE, else SY_ENGINE_BIN).
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "ui/experiment_draft.h"

using sy::ui::ExperimentDraft;

namespace {

// How long the engine may take to answer on a machine busy compiling.
constexpr int kEngineTimeoutMs = 60'000;

QJsonObject minimal() {
  return {{QStringLiteral("tasks"), QJsonArray{QStringLiteral("reverse")}},
          {QStringLiteral("strategies"), QJsonArray{QStringLiteral("seq-lora")}}};
}

}  // namespace

class TestExperimentDraft : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void anEmptyDraftNeedsATaskAndAStrategy();
  void fieldsAreCheckedAtTheirBounds();
  void onlySetFieldsAreWritten();
  void strategySettingsCountWhileTicked();
  void unknownKeysAndFurtherEntriesSurvive();
  void builtinTasksAndTheEstimateComeFromTheEngine();
};

void TestExperimentDraft::initTestCase() {
  if (qEnvironmentVariableIsEmpty("SWITCHYARD_ENGINE")) qputenv("SWITCHYARD_ENGINE", SY_ENGINE_BIN);
}

void TestExperimentDraft::anEmptyDraftNeedsATaskAndAStrategy() {
  ExperimentDraft draft;
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

void TestExperimentDraft::fieldsAreCheckedAtTheirBounds() {
  ExperimentDraft draft;
  QVERIFY(draft.fromJson(minimal()));
  struct Case {
    QString key;
    QString text;
    bool ok;
  };
  const Case cases[] = {
      {QStringLiteral("training.steps"), QStringLiteral("1"), true},
      {QStringLiteral("training.steps"), QStringLiteral("0"), false},
      {QStringLiteral("training.steps"), QStringLiteral("2.5"), false},
      {QStringLiteral("training.batch_size"), QStringLiteral("4096"), true},
      {QStringLiteral("training.batch_size"), QStringLiteral("4097"), false},
      {QStringLiteral("training.lr"), QStringLiteral("1"), true},
      {QStringLiteral("training.lr"), QStringLiteral("0"), false},
      {QStringLiteral("training.lora.dropout"), QStringLiteral("0"), true},
      {QStringLiteral("training.lora.dropout"), QStringLiteral("0.99"), true},
      {QStringLiteral("training.lora.dropout"), QStringLiteral("1"), false},
      {QStringLiteral("data.test_examples"), QStringLiteral("1000000"), true},
      {QStringLiteral("data.test_examples"), QStringLiteral("1000001"), false},
      {QStringLiteral("seeds"), QStringLiteral("0, 1, 2"), true},
      {QStringLiteral("seeds"), QStringLiteral("0,,1"), false},
      {QStringLiteral("seeds"), QStringLiteral("-1"), false},
      {QStringLiteral("device"), QStringLiteral("cuda:1"), true},
      {QStringLiteral("device"), QStringLiteral("gpu"), false},
      {QStringLiteral("training.precision"), QStringLiteral("bf16"), true},
      {QStringLiteral("training.precision"), QStringLiteral("fp8"), false},
      {QStringLiteral("training.lora.target_modules"), QStringLiteral("qkv_proj,"), false},
  };
  for (const Case& c : cases) {
    draft.setText(c.key, c.text);
    const QString what = c.key + QStringLiteral(" = ") + c.text;
    QCOMPARE(draft.isValid(), c.ok);
    QCOMPARE(draft.problem(c.key).isEmpty(), c.ok);
    if (!c.ok) {
      QCOMPARE(draft.problems().size(), 1);
      QVERIFY2(draft.problems().first().startsWith(c.key + QStringLiteral(": expected")),
               qPrintable(what));
    }
    draft.setText(c.key, QString());
    QVERIFY2(draft.isValid(), qPrintable(what));
  }
}

void TestExperimentDraft::onlySetFieldsAreWritten() {
  ExperimentDraft draft;
  QVERIFY(draft.fromJson(minimal()));
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
  QCOMPARE(draft.toJson()
               .value(QLatin1String("training"))
               .toObject()
               .value(QLatin1String("steps"))
               .toString(),
           QStringLiteral("abc"));
}

void TestExperimentDraft::strategySettingsCountWhileTicked() {
  ExperimentDraft draft;
  QVERIFY(draft.fromJson(minimal()));
  draft.setStrategyText(QStringLiteral("replay"), QStringLiteral("fraction"), QStringLiteral("7"));
  QVERIFY(draft.isValid());  // replay is not ticked: its setting is neither checked nor written
  draft.setTicked(QStringLiteral("replay"), true);
  QVERIFY(!draft.isValid());
  QCOMPARE(
      draft.problems(),
      QStringList{QStringLiteral("replay fraction: expected a number from 0 to 1, got \"7\"")});
  draft.setStrategyText(QStringLiteral("replay"), QStringLiteral("fraction"),
                        QStringLiteral("0.05"));
  QVERIFY(draft.isValid());
  QCOMPARE(draft.toJson().value(QLatin1String("strategies")).toArray(),
           (QJsonArray{QStringLiteral("seq-lora"),
                       QJsonObject{{QStringLiteral("name"), QStringLiteral("replay")},
                                   {QStringLiteral("fraction"), 0.05}}}));
}

void TestExperimentDraft::unknownKeysAndFurtherEntriesSurvive() {
  const QString demo_path =
      QStringLiteral(SWITCHYARD_SOURCE_DIR) + QStringLiteral("/resources/experiments/demo.json");
  QFile file(demo_path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QJsonObject demo = QJsonDocument::fromJson(file.readAll()).object();
  ExperimentDraft draft;
  QSignalSpy reset(&draft, &ExperimentDraft::reset);
  QString error;
  QVERIFY2(draft.load(demo_path, &error), qPrintable(error));
  QCOMPARE(reset.size(), 1);
  QCOMPARE(draft.path(), demo_path);
  QVERIFY2(draft.isValid(), qPrintable(draft.problems().join(QLatin1Char('\n'))));
  QCOMPARE(draft.text(QStringLiteral("training.steps")), QStringLiteral("300"));
  QVERIFY(!draft.extraStrategies().isEmpty());
  QCOMPARE(draft.toJson(), demo);

  QTemporaryDir dir;
  const QString saved = dir.filePath(QStringLiteral("demo.json"));
  QVERIFY2(draft.save(saved, &error), qPrintable(error));
  ExperimentDraft again;
  QVERIFY2(again.load(saved, &error), qPrintable(error));
  QCOMPARE(again.toJson(), demo);

  // What cannot be shown is refused whole, and the draft stays as it was.
  QVERIFY(
      !draft.fromJson({{QStringLiteral("strategies"), QJsonArray{QStringLiteral("ewc")}}}, &error));
  QVERIFY(error.startsWith(QLatin1String("strategies[0]: expected one of")));
  QCOMPARE(draft.toJson(), demo);
}

void TestExperimentDraft::builtinTasksAndTheEstimateComeFromTheEngine() {
  ExperimentDraft draft;
  QVERIFY(!draft.areBuiltinTasksKnown());  // asked without blocking
  QSignalSpy known(&draft, &ExperimentDraft::builtinTasksKnown);
  QVERIFY(known.wait(kEngineTimeoutMs));
  QVERIFY(draft.builtinTasksFromEngine());
  QVERIFY(draft.builtinTasks().contains(QLatin1String("first-letters")));

  // A valid draft is estimated; an invalid one is not asked about.
  QSignalSpy estimated(&draft, &ExperimentDraft::estimated);
  QVERIFY(draft.fromJson(minimal()));
  QVERIFY(estimated.wait(kEngineTimeoutMs));
  QVERIFY2(estimated.last().at(0).toString().startsWith(QLatin1String("needs about")),
           qPrintable(estimated.last().at(0).toString()));
}

QTEST_GUILESS_MAIN(TestExperimentDraft)
#include "test_experiment_draft.moc"
