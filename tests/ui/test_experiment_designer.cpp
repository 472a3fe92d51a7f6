// The experiment designer (ui/experiment_designer) driven like a user, through its widgets: the
// engine's task list, reordering, field checks, strategies, a round trip of the shipped demo and
// a run of a saved file by the real engine (~5 s with --quick), which proves the format.
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "ui/engine_process.h"
#include "ui/experiment_designer.h"
#include "ui/experiment_draft.h"

using sy::ui::ExperimentDesigner;

namespace {

// One quick run takes ~5 s alone; the limit leaves room for a machine busy compiling.
constexpr int kRunTimeoutMs = 180'000;
// How long `switchyard-engine tasks` may take to answer on a machine busy compiling.
constexpr int kEngineTimeoutMs = 60'000;

template <typename T>
T* child(const QWidget& parent, const char* name) {
  T* widget = parent.findChild<T*>(QLatin1String(name));
  if (widget == nullptr) qFatal("no child widget %s", name);
  return widget;
}

// Waits until the form is built from the engine's schema (asked without blocking).
void ready(const ExperimentDesigner& designer) {
  QTRY_VERIFY_WITH_TIMEOUT(designer.isSchemaKnown(), kEngineTimeoutMs);
}

// Picks a built-in task in the combo box and clicks "Add built-in task", as a user would.
void addBuiltin(const ExperimentDesigner& designer, const QString& name) {
  ready(designer);
  auto* combo = child<QComboBox>(designer, "builtinTasks");
  combo->setCurrentIndex(combo->findText(name));
  QTest::mouseClick(child<QPushButton>(designer, "addBuiltinTask"), Qt::LeftButton);
}

// Clears a line edit and types text into it.
void type(const ExperimentDesigner& designer, const char* name, const QString& text) {
  auto* edit = child<QLineEdit>(designer, name);
  edit->selectAll();
  QTest::keyClick(edit, Qt::Key_Delete);
  QTest::keyClicks(edit, text);
}

// Clicks a strategy's checkbox (on its indicator) until it shows the wanted state.
void setTicked(const ExperimentDesigner& designer, const QString& strategy, bool on) {
  auto* box = designer.findChild<QCheckBox*>(QStringLiteral("strategy_") + strategy);
  QVERIFY(box != nullptr);
  if (box->isChecked() != on) {
    QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(4, box->height() / 2));
  }
  QCOMPARE(box->isChecked(), on);
}

void tick(const ExperimentDesigner& designer, const QString& strategy) {
  setTicked(designer, strategy, true);
}

QStringList names(const QJsonArray& entries) {
  QStringList out;
  for (const QJsonValue& entry : entries) {
    out.append(entry.isString() ? entry.toString()
                                : entry.toObject().value(QLatin1String("name")).toString());
  }
  return out;
}

bool flagged(const QWidget* widget) {
  return widget->styleSheet().contains(QLatin1String("border"));
}

}  // namespace

class TestExperimentDesigner : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void theFormComesFromTheEnginesSchema();
  void theFormSaysWhenTheEngineCannotBeRun();
  void tasksAreAddedAndReordered();
  void badStepsAreFlaggedThenFixed();
  void otherFieldsAreChecked();
  void strategiesAreWrittenWithTheirSettings();
  void demoRoundTripKeepsEverything();
  void aMalformedFileIsShownAsItIs();
  void theEngineRunsASavedExperiment();
  void theMemoryEstimateIsShownBesideTheModel();
};

void TestExperimentDesigner::initTestCase() {
  if (qEnvironmentVariableIsEmpty("SWITCHYARD_ENGINE")) qputenv("SWITCHYARD_ENGINE", SY_ENGINE_BIN);
}

void TestExperimentDesigner::theFormComesFromTheEnginesSchema() {
  ExperimentDesigner designer;
  // Asked without blocking: the constructor returns before the answer, and the form says so.
  QVERIFY(!designer.isSchemaKnown());
  QVERIFY(designer.fieldWidget(QStringLiteral("training.steps")) == nullptr);
  auto* status = child<QLabel>(designer, "schemaStatus");
  QVERIFY(status->text().contains(QLatin1String("schema")));
  QSignalSpy known(&designer, &ExperimentDesigner::schemaKnown);
  QVERIFY(known.wait(kEngineTimeoutMs));
  QVERIFY(status->isHidden());

  const QStringList tasks = designer.builtinTasks();
  QVERIFY2(tasks.contains(QLatin1String("reverse")), qPrintable(tasks.join(QLatin1Char(','))));
  QVERIFY(tasks.contains(QLatin1String("last-word")));
  QVERIFY(tasks.contains(QLatin1String("first-letters")));
  QCOMPARE(child<QComboBox>(designer, "builtinTasks")->count(), tasks.size());

  // Every field of the schema is in the form, with the engine's default as its placeholder:
  // also those the form never had before (grad_accum, schedule, evaluation.precision).
  for (const sy::ui::DraftField& f : designer.draft().fields()) {
    QVERIFY2(designer.fieldWidget(f.key) != nullptr, qPrintable(f.key));
  }
  auto* steps = qobject_cast<QLineEdit*>(designer.fieldWidget(QStringLiteral("training.steps")));
  QVERIFY(steps);
  QCOMPARE(steps->objectName(), QStringLiteral("steps"));
  QCOMPARE(steps->placeholderText(), QStringLiteral("300"));
  QVERIFY(designer.fieldWidget(QStringLiteral("training.grad_accum")) != nullptr);
  auto* schedule =
      qobject_cast<QComboBox*>(designer.fieldWidget(QStringLiteral("training.schedule")));
  QVERIFY(schedule);
  QVERIFY(schedule->findText(QStringLiteral("cosine")) > 0);

  // Every strategy the engine has, each with its own settings editable once ticked.
  for (const sy::ui::DraftStrategy& s : designer.draft().strategies())
    QVERIFY2(designer.findChild<QCheckBox*>(QStringLiteral("strategy_") + s.name),
             qPrintable(s.name));
  auto* seq_ft_steps = child<QLineEdit>(designer, "seqFtSteps");
  QVERIFY(!seq_ft_steps->isEnabled());
  QCOMPARE(seq_ft_steps->placeholderText(), QStringLiteral("the experiment's training.steps"));
}

void TestExperimentDesigner::theFormSaysWhenTheEngineCannotBeRun() {
  const QByteArray engine = qgetenv("SWITCHYARD_ENGINE");
  qputenv("SWITCHYARD_ENGINE", "/nonexistent/switchyard-engine");
  ExperimentDesigner designer;
  qputenv("SWITCHYARD_ENGINE", engine);
  auto* status = child<QLabel>(designer, "schemaStatus");
  QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("cannot be run")),
                           kEngineTimeoutMs);
  QVERIFY2(status->text().contains(QLatin1String("/nonexistent/switchyard-engine")),
           qPrintable(status->text()));
  QVERIFY(!designer.isSchemaKnown());
  QVERIFY(designer.builtinTasks().isEmpty());
}

void TestExperimentDesigner::tasksAreAddedAndReordered() {
  ExperimentDesigner designer;
  QSignalSpy changed(&designer, &ExperimentDesigner::changed);
  QVERIFY(!designer.isValid());  // no tasks, no strategy yet
  // A new, empty form says what to do, not in red, and flags nothing before the first task.
  QTRY_VERIFY_WITH_TIMEOUT(designer.isSchemaKnown(), kEngineTimeoutMs);
  auto* problems = child<QLabel>(designer, "problems");
  QVERIFY2(problems->text().startsWith(QLatin1String("A new experiment")),
           qPrintable(problems->text()));
  QVERIFY(!problems->styleSheet().contains(QLatin1String("color")));
  QVERIFY(!flagged(child<QWidget>(designer, "tasks")));
  QVERIFY(!flagged(child<QWidget>(designer, "strategies")));
  addBuiltin(designer, QStringLiteral("reverse"));
  addBuiltin(designer, QStringLiteral("count"));
  addBuiltin(designer, QStringLiteral("last-word"));
  QVERIFY(changed.count() >= 3);

  // Begun: what is still missing is an error now.
  QVERIFY(flagged(child<QWidget>(designer, "strategies")));
  QVERIFY(problems->styleSheet().contains(QLatin1String("color")));

  auto* list = child<QListWidget>(designer, "tasks");
  QCOMPARE(list->count(), 3);
  QCOMPARE(list->dragDropMode(), QAbstractItemView::InternalMove);
  list->setCurrentRow(2);
  QTest::mouseClick(child<QPushButton>(designer, "moveTaskUp"), Qt::LeftButton);
  QCOMPARE(list->currentRow(), 1);
  QCOMPARE(designer.toJson().value(QLatin1String("tasks")).toArray(),
           (QJsonArray{QStringLiteral("reverse"), QStringLiteral("last-word"),
                       QStringLiteral("count")}));

  // Down, then remove; the first row cannot move further up.
  list->setCurrentRow(0);
  QTest::mouseClick(child<QPushButton>(designer, "moveTaskUp"), Qt::LeftButton);
  QTest::mouseClick(child<QPushButton>(designer, "moveTaskDown"), Qt::LeftButton);
  QCOMPARE(names(designer.toJson().value(QLatin1String("tasks")).toArray()),
           (QStringList{QStringLiteral("last-word"), QStringLiteral("reverse"),
                        QStringLiteral("count")}));
  list->setCurrentRow(2);
  QTest::mouseClick(child<QPushButton>(designer, "removeTask"), Qt::LeftButton);
  QCOMPARE(names(designer.toJson().value(QLatin1String("tasks")).toArray()),
           (QStringList{QStringLiteral("last-word"), QStringLiteral("reverse")}));

  // The same task twice is flagged on the list.
  addBuiltin(designer, QStringLiteral("reverse"));
  QVERIFY(flagged(list));
  QVERIFY(designer.problems().join(QLatin1Char('\n')).contains(QLatin1String("twice")));
  QTest::mouseClick(child<QPushButton>(designer, "removeTask"), Qt::LeftButton);
  QVERIFY(!flagged(list));

  // A JSONL task is written as {"name": stem, "jsonl": path}.
  designer.addTask(QJsonObject{{QStringLiteral("name"), QStringLiteral("mine")},
                               {QStringLiteral("jsonl"), QStringLiteral("/data/mine.jsonl")}});
  const QJsonArray tasks = designer.toJson().value(QLatin1String("tasks")).toArray();
  QCOMPARE(tasks.size(), 3);
  QCOMPARE(tasks[2].toObject().value(QLatin1String("jsonl")).toString(),
           QStringLiteral("/data/mine.jsonl"));
}

void TestExperimentDesigner::badStepsAreFlaggedThenFixed() {
  ExperimentDesigner designer;
  addBuiltin(designer, QStringLiteral("reverse"));
  tick(designer, QStringLiteral("seq-lora"));
  QVERIFY2(designer.isValid(), qPrintable(designer.problems().join(QLatin1Char('\n'))));
  QSignalSpy validity(&designer, &ExperimentDesigner::validityChanged);
  auto* steps = child<QLineEdit>(designer, "steps");

  for (const QString& bad : {QStringLiteral("0"), QStringLiteral("abc"), QStringLiteral("2.5")}) {
    type(designer, "steps", bad);
    QVERIFY2(!designer.isValid(), qPrintable(bad));
    QCOMPARE(designer.problems().size(), 1);
    QVERIFY(designer.problems().first().contains(QLatin1String("training.steps")));
    QVERIFY(flagged(steps));
    QVERIFY(steps->toolTip().contains(QLatin1String("whole number")));
  }
  QVERIFY(!validity.isEmpty());
  QCOMPARE(validity.last().first().toBool(), false);
  validity.clear();

  type(designer, "steps", QStringLiteral("120"));
  QVERIFY(designer.isValid());
  QVERIFY(!flagged(steps));
  QCOMPARE(validity.count(), 1);
  QCOMPARE(validity.last().first().toBool(), true);
  const QJsonObject training = designer.toJson().value(QLatin1String("training")).toObject();
  QCOMPARE(training.value(QLatin1String("steps")).toInteger(), 120);

  // Cleared: not written, so the engine's default applies.
  type(designer, "steps", QString());
  QVERIFY(designer.isValid());
  QVERIFY(!designer.toJson().contains(QLatin1String("training")));
}

void TestExperimentDesigner::otherFieldsAreChecked() {
  ExperimentDesigner designer;
  addBuiltin(designer, QStringLiteral("reverse"));
  tick(designer, QStringLiteral("seq-lora"));
  QVERIFY(designer.isValid());

  struct Case {
    const char* field;
    QString bad;
    QString good;
    QString path;
  };
  const Case cases[] = {
      {"lr", QStringLiteral("0"), QStringLiteral("0.001"), QStringLiteral("training.lr")},
      {"lr", QStringLiteral("-1"), QStringLiteral("1e-3"), QStringLiteral("training.lr")},
      {"fullLr", QStringLiteral("x"), QStringLiteral("0.0003"), QStringLiteral("training.full_lr")},
      {"seeds", QStringLiteral("0, 1.5"), QStringLiteral("0, 1, 2"), QStringLiteral("seeds")},
      {"seeds", QStringLiteral("-1"), QStringLiteral("7"), QStringLiteral("seeds")},
      {"seeds", QStringLiteral("0,,1"), QStringLiteral("0,1"), QStringLiteral("seeds")},
      {"batchSize", QStringLiteral("0"), QStringLiteral("8"), QStringLiteral("batch_size")},
      {"trainExamples", QStringLiteral("ten"), QStringLiteral("100"),
       QStringLiteral("data.train_examples")},
      {"loraDropout", QStringLiteral("1"), QStringLiteral("0.1"), QStringLiteral("dropout")},
      {"loraTargetModules", QStringLiteral("qkv_proj,"), QStringLiteral("qkv_proj, o_proj"),
       QStringLiteral("target_modules")},
      {"maxNewTokens", QStringLiteral("0"), QStringLiteral("12"), QStringLiteral("max_new_tokens")},
  };
  for (const Case& c : cases) {
    type(designer, c.field, c.bad);
    QVERIFY2(!designer.isValid(), c.field);
    QVERIFY2(designer.problems().join(QLatin1Char('\n')).contains(c.path), c.field);
    QVERIFY2(flagged(child<QLineEdit>(designer, c.field)), c.field);
    type(designer, c.field, c.good);
    QVERIFY2(designer.isValid(), qPrintable(designer.problems().join(QLatin1Char('\n'))));
  }
  const QJsonObject json = designer.toJson();
  QCOMPARE(json.value(QLatin1String("seeds")).toArray(), (QJsonArray{0, 1}));
  QCOMPARE(json.value(QLatin1String("training")).toObject().value(QLatin1String("lr")).toDouble(),
           1e-3);
  QCOMPARE(json.value(QLatin1String("training"))
               .toObject()
               .value(QLatin1String("lora"))
               .toObject()
               .value(QLatin1String("target_modules"))
               .toArray(),
           (QJsonArray{QStringLiteral("qkv_proj"), QStringLiteral("o_proj")}));

  // No strategy ticked: the strategies box is flagged.
  setTicked(designer, QStringLiteral("seq-lora"), false);
  QVERIFY(!designer.isValid());
  QVERIFY(designer.problems().join(QLatin1Char('\n')).contains(QLatin1String("strategies")));
  QVERIFY(flagged(child<QWidget>(designer, "strategies")));
}

void TestExperimentDesigner::strategiesAreWrittenWithTheirSettings() {
  ExperimentDesigner designer;
  addBuiltin(designer, QStringLiteral("reverse"));
  auto* fraction = child<QLineEdit>(designer, "replayFraction");
  QVERIFY(!fraction->isEnabled());  // replay is not ticked
  tick(designer, QStringLiteral("seq-lora"));
  tick(designer, QStringLiteral("replay"));
  tick(designer, QStringLiteral("switchcit"));
  QVERIFY(fraction->isEnabled());

  // Settings left empty: plain names, the engine's defaults.
  QCOMPARE(designer.toJson().value(QLatin1String("strategies")).toArray(),
           (QJsonArray{QStringLiteral("seq-lora"), QStringLiteral("replay"),
                       QStringLiteral("switchcit")}));

  type(designer, "replayFraction", QStringLiteral("1.5"));
  QVERIFY(!designer.isValid());
  QVERIFY(designer.problems().join(QLatin1Char('\n')).contains(QLatin1String("fraction")));
  QVERIFY(flagged(fraction));
  type(designer, "replayFraction", QStringLiteral("0.05"));
  type(designer, "switchcitRetention", QStringLiteral("0.02"));
  auto* pooling = child<QComboBox>(designer, "switchcitPooling");
  pooling->setCurrentText(QStringLiteral("last-token"));
  Q_EMIT pooling->activated(pooling->currentIndex());  // what a user's pick emits
  QVERIFY(designer.isValid());

  const QJsonArray strategies = designer.toJson().value(QLatin1String("strategies")).toArray();
  QCOMPARE(strategies.size(), 3);
  QCOMPARE(strategies[0], QJsonValue(QStringLiteral("seq-lora")));
  QCOMPARE(strategies[1].toObject(),
           (QJsonObject{{QStringLiteral("name"), QStringLiteral("replay")},
                        {QStringLiteral("fraction"), 0.05}}));
  QCOMPARE(strategies[2].toObject(),
           (QJsonObject{{QStringLiteral("name"), QStringLiteral("switchcit")},
                        {QStringLiteral("retention"), 0.02},
                        {QStringLiteral("pooling"), QStringLiteral("last-token")}}));

  // A bad setting of an unticked strategy is not written, so it does not block.
  type(designer, "replayFraction", QStringLiteral("7"));
  setTicked(designer, QStringLiteral("replay"), false);
  QVERIFY(designer.isValid());
  QCOMPARE(names(designer.toJson().value(QLatin1String("strategies")).toArray()),
           (QStringList{QStringLiteral("seq-lora"), QStringLiteral("switchcit")}));
}

void TestExperimentDesigner::demoRoundTripKeepsEverything() {
  const QString demo_path =
      QStringLiteral(SWITCHYARD_SOURCE_DIR) + QStringLiteral("/resources/experiments/demo.json");
  QFile demo_file(demo_path);
  QVERIFY(demo_file.open(QIODevice::ReadOnly));
  const QJsonObject demo = QJsonDocument::fromJson(demo_file.readAll()).object();
  QVERIFY(!demo.isEmpty());

  ExperimentDesigner designer;
  ready(designer);
  QString error;
  QVERIFY2(designer.load(demo_path, &error), qPrintable(error));
  QVERIFY2(designer.isValid(), qPrintable(designer.problems().join(QLatin1Char('\n'))));
  QCOMPARE(child<QLineEdit>(designer, "steps")->text(), QStringLiteral("300"));
  QCOMPARE(child<QLineEdit>(designer, "lr")->text(), QStringLiteral("0.002"));
  QCOMPARE(child<QComboBox>(designer, "precision")->currentText(), QStringLiteral("auto"));
  QVERIFY(child<QCheckBox>(designer, "strategy_switchcit")->isChecked());
  // The second switchcit is an entry of its own, ticked, with its label.
  QCheckBox* second = nullptr;
  for (QCheckBox* box : designer.findChildren<QCheckBox*>()) {
    if (box->objectName().startsWith(QLatin1String("strategy_switchcit_"))) second = box;
  }
  QVERIFY(second);
  QVERIFY(second->isChecked());
  QVERIFY2(second->text().contains(QLatin1String("switchcit-0.01%")), qPrintable(second->text()));

  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString saved_path = dir.filePath(QStringLiteral("demo-saved.json"));
  QVERIFY2(designer.save(saved_path, &error), qPrintable(error));
  QFile saved_file(saved_path);
  QVERIFY(saved_file.open(QIODevice::ReadOnly));
  const QByteArray bytes = saved_file.readAll();
  QVERIFY(bytes.contains("\n    "));  // pretty-printed
  const QJsonObject saved = QJsonDocument::fromJson(bytes).object();

  // Nothing lost, nothing added: data.seed, schedule, max_grad_norm, a strategy's label and
  // min_retained, seq-ft's own steps are fields of the form now, and read back as the file has
  // them.
  QCOMPARE(saved, demo);
  const QJsonArray strategies = saved.value(QLatin1String("strategies")).toArray();
  QCOMPARE(strategies.size(), 7);
  QCOMPARE(strategies[6].toObject().value(QLatin1String("label")).toString(),
           QStringLiteral("switchcit-0.01%"));
  QCOMPARE(strategies[6].toObject().value(QLatin1String("min_retained")).toInt(), 1);

  // Per-strategy settings are editable: seq-ft's own steps, the second switchcit's retention.
  const int second_entry = second->objectName().section(QLatin1Char('_'), -1).toInt();
  auto* retention =
      qobject_cast<QLineEdit*>(designer.entryWidget(second_entry, QStringLiteral("retention")));
  QVERIFY(retention);
  retention->setText(QStringLiteral("0.002"));
  type(designer, "seqFtSteps", QStringLiteral("40"));
  QVERIFY2(designer.isValid(), qPrintable(designer.problems().join(QLatin1Char('\n'))));
  const QJsonArray per_strategy = designer.toJson().value(QLatin1String("strategies")).toArray();
  QCOMPARE(per_strategy[6].toObject().value(QLatin1String("retention")).toDouble(), 0.002);
  QCOMPARE(per_strategy[0].toObject().value(QLatin1String("steps")).toInt(), 40);

  // Edits land in the file's structure; unticking both switchcit entries drops them.
  type(designer, "steps", QStringLiteral("150"));
  setTicked(designer, QStringLiteral("switchcit"), false);
  QTest::mouseClick(second, Qt::LeftButton, {}, QPoint(4, second->height() / 2));
  QVERIFY(!second->isChecked());
  const QJsonObject edited = designer.toJson();
  const QJsonObject training = edited.value(QLatin1String("training")).toObject();
  QCOMPARE(training.value(QLatin1String("steps")).toInteger(), 150);
  QCOMPARE(training.value(QLatin1String("schedule")).toString(), QStringLiteral("constant"));
  QCOMPARE(
      names(edited.value(QLatin1String("strategies")).toArray()),
      (QStringList{QStringLiteral("seq-ft"), QStringLiteral("seq-lora"), QStringLiteral("replay"),
                   QStringLiteral("multitask"), QStringLiteral("oracle")}));
}

void TestExperimentDesigner::aMalformedFileIsShownAsItIs() {
  ExperimentDesigner designer;
  ready(designer);
  QString error;
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("broken.json"));
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("{\"tasks\": [");
  file.close();
  QVERIFY(!designer.load(path, &error));
  QVERIFY(error.startsWith(path));

  // Values out of range and groups of another shape load, shown as they are, and are flagged.
  designer.fromJson(
      QJsonObject{{QStringLiteral("tasks"), QJsonArray{QStringLiteral("reverse")}},
                  {QStringLiteral("strategies"), QJsonArray{QStringLiteral("oracle")}},
                  {QStringLiteral("evaluation"), 3},
                  {QStringLiteral("training"), QJsonObject{{QStringLiteral("steps"), 0}}}});
  QVERIFY(!designer.isValid());
  QVERIFY(designer.problems().first().contains(QLatin1String("evaluation")));
  QCOMPARE(child<QLineEdit>(designer, "steps")->text(), QStringLiteral("0"));
  QVERIFY(
      child<QWidget>(designer, "evaluationGroup")->styleSheet().contains(QLatin1String("solid")));
  auto* problems = child<QLabel>(designer, "problems");
  QVERIFY(problems->text().contains(QLatin1String("training.steps")));
}

void TestExperimentDesigner::theEngineRunsASavedExperiment() {
  ExperimentDesigner designer;
  ready(designer);
  type(designer, "name", QStringLiteral("designed"));
  addBuiltin(designer, QStringLiteral("reverse"));
  addBuiltin(designer, QStringLiteral("capitalize"));
  type(designer, "trainExamples", QStringLiteral("100"));
  type(designer, "testExamples", QStringLiteral("6"));
  type(designer, "steps", QStringLiteral("75"));
  type(designer, "batchSize", QStringLiteral("8"));
  type(designer, "maxNewTokens", QStringLiteral("12"));
  tick(designer, QStringLiteral("seq-lora"));
  QVERIFY2(designer.isValid(), qPrintable(designer.problems().join(QLatin1Char('\n'))));

  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString path = dir.filePath(QStringLiteral("designed.json"));
  QString error;
  QVERIFY2(designer.save(path, &error), qPrintable(error));

  QProcess engine;
  engine.setProcessChannelMode(QProcess::MergedChannels);
  engine.start(sy::ui::EngineProcess::engineProgram(),
               {QStringLiteral("run"), path, QStringLiteral("--quick"), QStringLiteral("--no-db")});
  QVERIFY2(engine.waitForStarted(), qPrintable(engine.errorString()));
  QVERIFY2(engine.waitForFinished(kRunTimeoutMs), "the engine did not finish in time");
  const QByteArray output = engine.readAll();
  QVERIFY2(engine.exitStatus() == QProcess::NormalExit && engine.exitCode() == 0,
           output.right(2000).constData());
  QVERIFY2(output.contains("designed/seq-lora/seed0"), output.right(2000).constData());
}

void TestExperimentDesigner::theMemoryEstimateIsShownBesideTheModel() {
  ExperimentDesigner designer;
  ready(designer);
  auto* memory = designer.findChild<QLabel*>(QStringLiteral("memoryEstimate"));
  QVERIFY(memory);
  QString error;
  QVERIFY2(designer.load(QStringLiteral(SWITCHYARD_SOURCE_DIR) +
                             QStringLiteral("/resources/experiments/demo.json"),
                         &error),
           qPrintable(error));
  // The engine's estimate, asked without blocking: the built-in model fits anywhere.
  QTRY_VERIFY_WITH_TIMEOUT(memory->text().startsWith(QLatin1String("needs about")), 30'000);
  QVERIFY2(memory->text().contains(QLatin1String("available")), qPrintable(memory->text()));
  QVERIFY2(!memory->text().contains(QLatin1String("too much")), qPrintable(memory->text()));
  QVERIFY2(memory->text().contains(QLatin1String("weights in fp32")), qPrintable(memory->text()));

  // Holding the weights in bf16 is a choice of the form, written as "weights_dtype", and the
  // estimate follows it.
  auto* weights = designer.findChild<QComboBox*>(QStringLiteral("weightsDtype"));
  QVERIFY(weights);
  QVERIFY(!designer.toJson().contains(QLatin1String("weights_dtype")));
  weights->setCurrentIndex(weights->findText(QStringLiteral("bf16")));
  Q_EMIT weights->activated(weights->currentIndex());  // as a user's pick does
  QCOMPARE(designer.toJson().value(QLatin1String("weights_dtype")).toString(),
           QStringLiteral("bf16"));
  QTRY_VERIFY2_WITH_TIMEOUT(memory->text().contains(QLatin1String("weights in bf16")),
                            qPrintable(memory->text()), 30'000);

  // A batch this machine (here: 1 GiB, as SWITCHYARD_MEMORY_LIMIT says) cannot hold: the form
  // says so before Run is pressed.
  qputenv("SWITCHYARD_MEMORY_LIMIT", "1G");
  auto* batch = designer.findChild<QLineEdit*>(QStringLiteral("batchSize"));
  QVERIFY(batch);
  batch->setText(QStringLiteral("4096"));
  QTRY_VERIFY_WITH_TIMEOUT(memory->text().contains(QLatin1String("too much")), 30'000);
  QVERIFY2(memory->text().contains(QLatin1String("of 1.0 GiB available")),
           qPrintable(memory->text()));
  qunsetenv("SWITCHYARD_MEMORY_LIMIT");

  // A model folder that does not exist: the engine's reason, not a number.
  batch->setText(QStringLiteral("16"));
  auto* model = designer.findChild<QLineEdit*>(QStringLiteral("baseModel"));
  model->setText(QStringLiteral("/nonexistent/model"));
  QTRY_VERIFY_WITH_TIMEOUT(memory->text().startsWith(QLatin1String("no estimate: model folder")),
                           30'000);
}

QTEST_MAIN(TestExperimentDesigner)
#include "test_experiment_designer.moc"
