// ExperimentDesigner: builds the form, asks `switchyard-engine tasks` for the built-in task
// names, checks every field against the ranges the engine's loader enforces
// (engine/run/experiment.cpp) and maps the form to and from the experiment-file JSON.
#include "ui/experiment_designer.h"

#include <QAbstractItemModel>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QVBoxLayout>

#include <cmath>
#include <limits>
#include <utility>

#include "ui/engine_process.h"
#include "ui/memory_estimator.h"

namespace sy::ui {

namespace {

constexpr qint64 kBig = std::numeric_limits<qint64>::max();
const char kHintProperty[] = "syHint";

// Whole numbers only: "300", not "3e2" or "300.0", so what is typed is what the engine reads.
bool parseInteger(const QString& text, qint64* value) {
  bool ok = false;
  *value = text.trimmed().toLongLong(&ok);
  return ok;
}

bool parseNumber(const QString& text, double* value) {
  bool ok = false;
  *value = text.trimmed().toDouble(&ok);  // C locale: "0.002" everywhere
  return ok && std::isfinite(*value);
}

QStringList splitList(const QString& text) {
  QStringList out;
  for (const QString& part : text.split(QLatin1Char(','))) out.append(part.trimmed());
  return out;
}

QString rangeText(qint64 lower, qint64 upper) {
  if (upper == kBig) return QStringLiteral("a whole number of at least %1").arg(lower);
  return QStringLiteral("a whole number from %1 to %2").arg(lower).arg(upper);
}

// "" when the (optional) field is empty or holds a whole number in [lower, upper].
QString checkInteger(const QLineEdit* edit, qint64 lower, qint64 upper) {
  const QString text = edit->text().trimmed();
  if (text.isEmpty()) return {};
  qint64 value = 0;
  if (!parseInteger(text, &value) || value < lower || value > upper) {
    return QStringLiteral("expected %1, got \"%2\"").arg(rangeText(lower, upper), text);
  }
  return {};
}

// "" when the field is empty or holds a number in [lower, upper] (or (lower, upper] when
// above_lower: a learning rate of 0 would train nothing).
QString checkNumber(const QLineEdit* edit, double lower, double upper, bool above_lower) {
  const QString text = edit->text().trimmed();
  if (text.isEmpty()) return {};
  double value = 0;
  if (!parseNumber(text, &value) || value < lower || value > upper ||
      (above_lower && value == lower)) {
    const QString range = above_lower ? QStringLiteral("a number above %1 and at most %2")
                                      : QStringLiteral("a number from %1 to %2");
    return QStringLiteral("expected %1, got \"%2\"").arg(range.arg(lower).arg(upper), text);
  }
  return {};
}

QString checkChoice(const QComboBox* box, const QStringList& allowed) {
  if (allowed.contains(box->currentText())) return {};
  return QStringLiteral("expected one of %1, got \"%2\"")
      .arg(allowed.join(QLatin1String(", ")), box->currentText());
}

// A JSON value as the text a field shows: whole numbers without exponent or ".0", others in the
// shortest form that reads back to the same double, lists comma-separated.
QString fieldText(const QJsonValue& value) {
  if (value.isString()) return value.toString();
  if (value.isDouble()) {
    const double number = value.toDouble();
    if (std::floor(number) == number && std::fabs(number) < 1e15) {
      return QString::number(static_cast<qint64>(number));
    }
    return QString::number(number, 'g', QLocale::FloatingPointShortest);
  }
  if (value.isArray()) {
    QStringList parts;
    for (const QJsonValue& item : value.toArray()) parts.append(fieldText(item));
    return parts.join(QLatin1String(", "));
  }
  if (value.isUndefined() || value.isNull()) return {};
  // Booleans or objects where a number belongs: shown as JSON, so the check flags them.
  return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
      .mid(1)
      .chopped(1);
}

// What a field writes: a number when the text is one, else the text itself, so a saved draft
// keeps what was typed and the engine names the field if it is run anyway.
QJsonValue integerValue(const QString& text) {
  qint64 value = 0;
  if (parseInteger(text, &value)) return QJsonValue(value);
  return text.trimmed();
}

QJsonValue numberValue(const QString& text) {
  double value = 0;
  if (parseNumber(text, &value)) return value;
  return text.trimmed();
}

void setOrRemove(QJsonObject* object, const QString& key, const QJsonValue& value, bool set) {
  if (set) {
    object->insert(key, value);
  } else {
    object->remove(key);
  }
}

void setText(QJsonObject* object, const QString& key, const QLineEdit* edit) {
  const QString text = edit->text().trimmed();
  setOrRemove(object, key, text, !text.isEmpty());
}

void setInteger(QJsonObject* object, const QString& key, const QLineEdit* edit) {
  const QString text = edit->text().trimmed();
  setOrRemove(object, key, integerValue(text), !text.isEmpty());
}

void setNumber(QJsonObject* object, const QString& key, const QLineEdit* edit) {
  const QString text = edit->text().trimmed();
  setOrRemove(object, key, numberValue(text), !text.isEmpty());
}

void setChild(QJsonObject* object, const QString& key, const QJsonObject& child) {
  setOrRemove(object, key, child, !child.isEmpty());
}

// A task entry's name: the string itself, or the object's "name" (else its "builtin").
QString taskName(const QJsonValue& task) {
  if (task.isString()) return task.toString();
  const QJsonObject object = task.toObject();
  if (object.contains(QLatin1String("name"))) return object.value(QLatin1String("name")).toString();
  return object.value(QLatin1String("builtin")).toString();
}

QString strategyLabel(const QJsonObject& entry) {
  const QString name = entry.value(QLatin1String("name")).toString();
  const QString label = entry.value(QLatin1String("label")).toString();
  return label.isEmpty() || label == name ? name : QStringLiteral("%1 (%2)").arg(name, label);
}

}  // namespace

ExperimentDesigner::ExperimentDesigner(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);

  // The experiment.
  auto* experiment_box = new QGroupBox(tr("Experiment"), this);
  auto* experiment_form = new QFormLayout(experiment_box);
  name_ = addLineEdit(QStringLiteral("name"), tr("the file name without .json"));
  name_->setToolTip(tr("The experiment's name; run ids are NAME/STRATEGY/seedN."));
  experiment_form->addRow(tr("Name"), name_);
  base_model_ = addLineEdit(QStringLiteral("baseModel"), QStringLiteral("builtin"));
  base_model_->setToolTip(tr("\"builtin\" (the shipped model) or a model folder."));
  auto* browse = new QPushButton(tr("Folder…"), this);
  browse->setObjectName(QStringLiteral("browseBaseModel"));
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Base model folder"));
    if (!folder.isEmpty()) base_model_->setText(folder);
  });
  auto* base_row = new QHBoxLayout;
  base_row->addWidget(base_model_, 1);
  base_row->addWidget(browse);
  experiment_form->addRow(tr("Base model"), base_row);
  weights_dtype_ = addChoice(QStringLiteral("weightsDtype"),
                             {QStringLiteral("auto"), QStringLiteral("fp32"),
                              QStringLiteral("bf16"), QStringLiteral("fp16")},
                             &weights_dtype_touched_);
  weights_dtype_->setToolTip(
      tr("The dtype the base model's weights are held in: auto keeps what a Hugging Face "
         "folder stores (the built-in model: fp32); bf16 or fp16 halve their memory. Adapters "
         "always train in fp32."));
  experiment_form->addRow(tr("Base weights"), weights_dtype_);
  // What a run would need in memory, as the engine checks it before it starts.
  memory_ = new QLabel(tr("estimating…"), this);
  memory_->setObjectName(QStringLiteral("memoryEstimate"));
  memory_->setToolTip(
      tr("The engine's estimate of a run's peak memory (base weights, the largest "
         "strategy's training state, one step's activations): an upper bound. "
         "Run refuses a run that does not fit."));
  experiment_form->addRow(tr("Memory"), memory_);
  estimator_ = new MemoryEstimator(this);
  connect(estimator_, &MemoryEstimator::estimated, this, [this](const QString& text, bool fits) {
    memory_->setText(text);
    memory_->setStyleSheet(fits ? QString() : QStringLiteral("color: #c0392b"));
  });
  connect(estimator_, &MemoryEstimator::failed, this, [this](const QString& message) {
    memory_->setText(tr("no estimate: %1").arg(message));
    memory_->setStyleSheet(QStringLiteral("color: gray"));
  });
  connect(this, &ExperimentDesigner::changed, this, [this] {
    if (isValid()) estimator_->request(toJson(), path_);
  });
  device_ = addChoice(QStringLiteral("device"),
                      {QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")},
                      &device_touched_);
  device_->setToolTip(tr("auto, cpu, cuda or cuda:N."));
  experiment_form->addRow(tr("Device"), device_);
  layout->addWidget(experiment_box);

  // The task sequence.
  auto* tasks_box = new QGroupBox(tr("Tasks, in training order"), this);
  auto* tasks_layout = new QVBoxLayout(tasks_box);
  tasks_ = new QListWidget(this);
  tasks_->setObjectName(QStringLiteral("tasks"));
  tasks_->setDragDropMode(QAbstractItemView::InternalMove);
  tasks_->setDefaultDropAction(Qt::MoveAction);
  tasks_->setToolTip(tr("Drag to reorder. Every task needs its own name."));
  tasks_->setProperty(kHintProperty, tasks_->toolTip());
  tasks_layout->addWidget(tasks_);
  // Drops, removals and moves all go through the model, whichever button or drag caused them.
  connect(tasks_->model(), &QAbstractItemModel::rowsInserted, this, &ExperimentDesigner::onEdited);
  connect(tasks_->model(), &QAbstractItemModel::rowsRemoved, this, &ExperimentDesigner::onEdited);
  connect(tasks_->model(), &QAbstractItemModel::rowsMoved, this, &ExperimentDesigner::onEdited);

  builtin_ = new QComboBox(this);
  builtin_->setObjectName(QStringLiteral("builtinTasks"));
  auto* add_builtin = new QPushButton(tr("Add built-in task"), this);
  add_builtin->setObjectName(QStringLiteral("addBuiltinTask"));
  connect(add_builtin, &QPushButton::clicked, this, [this] {
    if (!builtin_->currentText().isEmpty()) addTask(builtin_->currentText());
  });
  auto* add_jsonl = new QPushButton(tr("Add JSONL file…"), this);
  add_jsonl->setObjectName(QStringLiteral("addJsonlTask"));
  connect(add_jsonl, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Add a JSONL task"), QString(),
                                                      tr("JSONL files (*.jsonl);;All files (*)"));
    if (path.isEmpty()) return;
    addTask(QJsonObject{{QStringLiteral("name"), QFileInfo(path).completeBaseName()},
                        {QStringLiteral("jsonl"), path}});
  });
  auto* add_row = new QHBoxLayout;
  add_row->addWidget(builtin_, 1);
  add_row->addWidget(add_builtin);
  add_row->addWidget(add_jsonl);
  tasks_layout->addLayout(add_row);

  auto* remove = new QPushButton(tr("Remove"), this);
  remove->setObjectName(QStringLiteral("removeTask"));
  connect(remove, &QPushButton::clicked, this, [this] { delete tasks_->currentItem(); });
  auto* up = new QPushButton(tr("Up"), this);
  up->setObjectName(QStringLiteral("moveTaskUp"));
  connect(up, &QPushButton::clicked, this, [this] { moveCurrentTask(-1); });
  auto* down = new QPushButton(tr("Down"), this);
  down->setObjectName(QStringLiteral("moveTaskDown"));
  connect(down, &QPushButton::clicked, this, [this] { moveCurrentTask(+1); });
  auto* edit_row = new QHBoxLayout;
  edit_row->addWidget(remove);
  edit_row->addWidget(up);
  edit_row->addWidget(down);
  edit_row->addStretch(1);
  tasks_layout->addLayout(edit_row);
  layout->addWidget(tasks_box);

  // Data and seeds.
  auto* data_box = new QGroupBox(tr("Data and seeds"), this);
  auto* data_form = new QFormLayout(data_box);
  train_examples_ = addLineEdit(QStringLiteral("trainExamples"), QStringLiteral("1000"));
  train_examples_->setToolTip(tr("Training examples per built-in task."));
  data_form->addRow(tr("Training examples"), train_examples_);
  test_examples_ = addLineEdit(QStringLiteral("testExamples"), QStringLiteral("50"));
  test_examples_->setToolTip(tr("Test examples per task."));
  data_form->addRow(tr("Test examples"), test_examples_);
  seeds_ = addLineEdit(QStringLiteral("seeds"), QStringLiteral("0"));
  seeds_->setToolTip(tr("Comma-separated whole numbers, e.g. 0, 1, 2: one run per seed."));
  data_form->addRow(tr("Seeds"), seeds_);
  layout->addWidget(data_box);

  // Shared training settings.
  auto* training_box = new QGroupBox(tr("Training (every strategy)"), this);
  auto* training_form = new QFormLayout(training_box);
  steps_ = addLineEdit(QStringLiteral("steps"), QStringLiteral("300"));
  steps_->setToolTip(tr("Optimiser steps per stage."));
  training_form->addRow(tr("Steps"), steps_);
  batch_size_ = addLineEdit(QStringLiteral("batchSize"), QStringLiteral("16"));
  training_form->addRow(tr("Batch size"), batch_size_);
  lr_ = addLineEdit(QStringLiteral("lr"), QStringLiteral("0.002"));
  lr_->setToolTip(tr("Learning rate for LoRA training."));
  training_form->addRow(tr("Learning rate (LoRA)"), lr_);
  full_lr_ = addLineEdit(QStringLiteral("fullLr"), QStringLiteral("0.0003"));
  full_lr_->setToolTip(tr("Learning rate for full fine-tuning."));
  training_form->addRow(tr("Learning rate (full)"), full_lr_);
  precision_ = addChoice(QStringLiteral("precision"),
                         {QStringLiteral("fp32"), QStringLiteral("bf16"), QStringLiteral("fp16"),
                          QStringLiteral("auto")},
                         &precision_touched_);
  precision_->setToolTip(
      tr("fp32 (the reference), bf16, fp16 (CUDA only, with loss scaling), "
         "or auto (bf16 on a GPU, fp32 on a CPU, where our FP32 kernels are faster)."));
  training_form->addRow(tr("Precision"), precision_);
  lora_r_ = addLineEdit(QStringLiteral("loraR"), QStringLiteral("8"));
  training_form->addRow(tr("LoRA rank r"), lora_r_);
  lora_alpha_ = addLineEdit(QStringLiteral("loraAlpha"), QStringLiteral("16"));
  training_form->addRow(tr("LoRA alpha"), lora_alpha_);
  lora_dropout_ = addLineEdit(QStringLiteral("loraDropout"), QStringLiteral("0.05"));
  training_form->addRow(tr("LoRA dropout"), lora_dropout_);
  target_modules_ = addLineEdit(QStringLiteral("targetModules"),
                                QStringLiteral("qkv_proj, o_proj, up_proj, down_proj"));
  target_modules_->setToolTip(tr("Comma-separated layer names LoRA adapts."));
  training_form->addRow(tr("LoRA target modules"), target_modules_);
  layout->addWidget(training_box);

  // Strategies, each with its own settings beside it.
  auto* strategies_box = new QGroupBox(tr("Strategies"), this);
  strategies_box->setObjectName(QStringLiteral("strategies"));
  strategies_box->setToolTip(tr("Tick at least one strategy."));
  strategies_box->setProperty(kHintProperty, strategies_box->toolTip());
  strategies_box_ = strategies_box;
  auto* grid = new QGridLayout(strategies_box);
  fraction_ = addLineEdit(QStringLiteral("replayFraction"), QStringLiteral("0.01"));
  fraction_->setToolTip(tr("Share of every earlier task's training examples replayed (0 to 1)."));
  retention_ = addLineEdit(QStringLiteral("switchcitRetention"), QStringLiteral("0.01"));
  retention_->setToolTip(tr("Share of training prompts kept for the switch network (0 to 1)."));
  pooling_ = addChoice(
      QStringLiteral("switchcitPooling"),
      {QStringLiteral("split-mean"), QStringLiteral("mean"), QStringLiteral("last-token")},
      &pooling_touched_);
  pooling_->setToolTip(tr("How the switch network pools a prompt's hidden states."));
  const QStringList names = strategyNames();
  for (int row = 0; row < names.size(); ++row) {
    Strategy s;
    s.name = names[row];
    s.box = new QCheckBox(s.name, this);
    s.box->setObjectName(QStringLiteral("strategy_") + s.name);
    s.entry = QJsonObject{{QStringLiteral("name"), s.name}};
    grid->addWidget(s.box, row, 0);
    QList<QWidget*> settings;
    if (s.name == QLatin1String("replay")) {
      grid->addWidget(new QLabel(tr("fraction"), this), row, 1);
      grid->addWidget(fraction_, row, 2);
      settings = {fraction_};
    } else if (s.name == QLatin1String("switchcit")) {
      grid->addWidget(new QLabel(tr("retention"), this), row, 1);
      grid->addWidget(retention_, row, 2);
      grid->addWidget(new QLabel(tr("pooling"), this), row, 3);
      grid->addWidget(pooling_, row, 4);
      settings = {retention_, pooling_};
    }
    // Settings of an unticked strategy are not written, so they are not editable either.
    for (QWidget* setting : settings) setting->setEnabled(false);
    connect(s.box, &QCheckBox::toggled, this, [this, settings](bool on) {
      for (QWidget* setting : settings) setting->setEnabled(on);
      onEdited();
    });
    strategies_.append(s);
  }
  extra_strategies_ = new QLabel(this);
  extra_strategies_->setObjectName(QStringLiteral("extraStrategies"));
  extra_strategies_->setWordWrap(true);
  extra_strategies_->hide();
  grid->addWidget(extra_strategies_, names.size(), 0, 1, 5);
  grid->setColumnStretch(5, 1);
  layout->addWidget(strategies_box);

  // Evaluation.
  auto* evaluation_box = new QGroupBox(tr("Evaluation"), this);
  auto* evaluation_form = new QFormLayout(evaluation_box);
  max_new_tokens_ = addLineEdit(QStringLiteral("maxNewTokens"), QStringLiteral("64"));
  max_new_tokens_->setToolTip(tr("Greedy decoding budget for every evaluation."));
  evaluation_form->addRow(tr("Max new tokens"), max_new_tokens_);
  layout->addWidget(evaluation_box);
  layout->addStretch(1);

  // The checks mirror engine/run/experiment.cpp's ranges, so a form that passes here loads there.
  addField(base_model_, QStringLiteral("base_model"), [this]() -> QString {
    const QString text = base_model_->text();
    if (!text.isEmpty() && text.trimmed().isEmpty()) return tr("expected builtin or a folder");
    return {};
  });
  addField(weights_dtype_, QStringLiteral("weights_dtype"), [this] {
    return checkChoice(weights_dtype_, {QStringLiteral("auto"), QStringLiteral("fp32"),
                                        QStringLiteral("bf16"), QStringLiteral("fp16")});
  });
  addField(device_, QStringLiteral("device"), [this]() -> QString {
    static const QRegularExpression device(QStringLiteral("^(auto|cpu|cuda|cuda:[0-9]+)$"));
    if (device.match(device_->currentText()).hasMatch()) return {};
    return tr("expected auto, cpu, cuda or cuda:N, got \"%1\"").arg(device_->currentText());
  });
  addField(train_examples_, QStringLiteral("data.train_examples"),
           [this] { return checkInteger(train_examples_, 1, 10'000'000); });
  addField(test_examples_, QStringLiteral("data.test_examples"),
           [this] { return checkInteger(test_examples_, 1, 1'000'000); });
  addField(seeds_, QStringLiteral("seeds"), [this]() -> QString {
    if (seeds_->text().trimmed().isEmpty()) return {};
    for (const QString& part : splitList(seeds_->text())) {
      qint64 seed = 0;
      if (!parseInteger(part, &seed) || seed < 0) {
        return tr("expected comma-separated whole numbers of at least 0, got \"%1\"")
            .arg(seeds_->text().trimmed());
      }
    }
    return {};
  });
  addField(steps_, QStringLiteral("training.steps"),
           [this] { return checkInteger(steps_, 1, kBig); });
  addField(batch_size_, QStringLiteral("training.batch_size"),
           [this] { return checkInteger(batch_size_, 1, 4096); });
  addField(lr_, QStringLiteral("training.lr"), [this] { return checkNumber(lr_, 0, 1, true); });
  addField(full_lr_, QStringLiteral("training.full_lr"),
           [this] { return checkNumber(full_lr_, 0, 1, true); });
  addField(precision_, QStringLiteral("training.precision"), [this] {
    return checkChoice(precision_, {QStringLiteral("fp32"), QStringLiteral("bf16"),
                                    QStringLiteral("fp16"), QStringLiteral("auto")});
  });
  addField(lora_r_, QStringLiteral("training.lora.r"),
           [this] { return checkInteger(lora_r_, 1, 4096); });
  addField(lora_alpha_, QStringLiteral("training.lora.alpha"),
           [this] { return checkNumber(lora_alpha_, 0, 1e6, true); });
  addField(lora_dropout_, QStringLiteral("training.lora.dropout"),
           [this] { return checkNumber(lora_dropout_, 0, 0.99, false); });
  addField(target_modules_, QStringLiteral("training.lora.target_modules"), [this]() -> QString {
    if (target_modules_->text().trimmed().isEmpty()) return {};
    if (splitList(target_modules_->text()).contains(QString())) {
      return tr("expected comma-separated layer names, got \"%1\"")
          .arg(target_modules_->text().trimmed());
    }
    return {};
  });
  // A strategy's settings are only checked while it is ticked: only then are they written.
  addField(fraction_, QStringLiteral("replay fraction"), [this]() -> QString {
    if (!ticked(QStringLiteral("replay"))) return {};
    return checkNumber(fraction_, 0, 1, false);
  });
  addField(retention_, QStringLiteral("switchcit retention"), [this]() -> QString {
    if (!ticked(QStringLiteral("switchcit"))) return {};
    return checkNumber(retention_, 0, 1, false);
  });
  addField(pooling_, QStringLiteral("switchcit pooling"), [this]() -> QString {
    if (!ticked(QStringLiteral("switchcit"))) return {};
    return checkChoice(pooling_, {QStringLiteral("split-mean"), QStringLiteral("mean"),
                                  QStringLiteral("last-token")});
  });
  addField(max_new_tokens_, QStringLiteral("evaluation.max_new_tokens"),
           [this] { return checkInteger(max_new_tokens_, 1, 4096); });
  addField(tasks_, QStringLiteral("tasks"), [this]() -> QString {
    if (tasks_->count() == 0) return tr("expected at least one task");
    QSet<QString> seen;
    for (int row = 0; row < tasks_->count(); ++row) {
      const QString name = taskName(tasks_->item(row)->data(Qt::UserRole).toJsonValue());
      if (seen.contains(name)) {
        return tr("\"%1\" appears twice; every task of a sequence needs its own name").arg(name);
      }
      seen.insert(name);
    }
    return {};
  });
  addField(strategies_box_, QStringLiteral("strategies"), [this]() -> QString {
    for (const Strategy& s : std::as_const(strategies_)) {
      if (s.box->isChecked()) return {};
    }
    return tr("expected at least one strategy ticked");
  });

  loadBuiltinTasks();
  revalidate();
}

QStringList ExperimentDesigner::strategyNames() {
  return {QStringLiteral("seq-ft"),    QStringLiteral("seq-lora"), QStringLiteral("replay"),
          QStringLiteral("multitask"), QStringLiteral("oracle"),   QStringLiteral("switchcit")};
}

QStringList ExperimentDesigner::builtinTasks() const {
  QStringList names;
  for (int i = 0; i < builtin_->count(); ++i) names.append(builtin_->itemText(i));
  return names;
}

QLineEdit* ExperimentDesigner::addLineEdit(const QString& object_name, const QString& placeholder) {
  auto* edit = new QLineEdit(this);
  edit->setObjectName(object_name);
  edit->setPlaceholderText(placeholder);  // the engine's default, shown while the field is empty
  connect(edit, &QLineEdit::textChanged, this, &ExperimentDesigner::onEdited);
  return edit;
}

QComboBox* ExperimentDesigner::addChoice(const QString& object_name, const QStringList& items,
                                         bool* touched) {
  auto* box = new QComboBox(this);
  box->setObjectName(object_name);
  box->addItems(items);
  // activated comes from the user only, not from fromJson() setting the index. It follows
  // currentIndexChanged, so the draft is announced again once the pick counts as touched (before,
  // the estimate beside the model was asked for the draft without the pick).
  connect(box, &QComboBox::activated, this, [this, touched] {
    const bool first = !*touched;
    *touched = true;
    if (first) onEdited();
  });
  connect(box, &QComboBox::currentIndexChanged, this, &ExperimentDesigner::onEdited);
  return box;
}

void ExperimentDesigner::addField(QWidget* widget, const QString& path,
                                  std::function<QString()> check) {
  if (!widget->property(kHintProperty).isValid()) {
    widget->setProperty(kHintProperty, widget->toolTip());
  }
  fields_.append(Field{widget, path, std::move(check)});
}

void ExperimentDesigner::loadBuiltinTasks() {
  // Asked of the engine without waiting: the form is usable at once, and the list fills in when
  // the answer comes.
  auto* engine = new EngineProcess({QStringLiteral("tasks")}, this);
  engine->setCollectOutput();
  connect(engine, &EngineProcess::finished, this, [this, engine](int code) {
    engine->deleteLater();
    QStringList names;
    if (code == 0) {
      // One task a line: its name, then its description ("reverse   Reverse the order of ...").
      static const QRegularExpression name(QStringLiteral("^([a-z0-9][a-z0-9_-]*)\\s"));
      const QString output = QString::fromUtf8(engine->output());
      for (const QString& line : output.split(QLatin1Char('\n'))) {
        const QRegularExpressionMatch match = name.match(line + QLatin1Char(' '));
        if (match.hasMatch()) names.append(match.captured(1));
      }
    }
    tasks_from_engine_ = !names.isEmpty();
    if (!tasks_from_engine_) {
      // Only when the engine cannot be asked: the engine is the source of truth for its tasks,
      // and this copy (of `switchyard-engine tasks`, 2026) may fall behind it.
      names = {
          QStringLiteral("reverse"), QStringLiteral("sort"),      QStringLiteral("capitalize"),
          QStringLiteral("count"),   QStringLiteral("spell"),     QStringLiteral("add"),
          QStringLiteral("filter"),  QStringLiteral("last-word"), QStringLiteral("first-letters")};
    }
    builtin_->clear();
    builtin_->addItems(names);
    builtin_tasks_known_ = true;
    Q_EMIT builtinTasksKnown();
  });
  engine->start();
}

void ExperimentDesigner::addTask(const QJsonValue& task) {
  const QJsonObject object = task.toObject();
  QString text = taskName(task);
  const QString jsonl = object.value(QLatin1String("jsonl")).toString();
  if (!jsonl.isEmpty()) text += QStringLiteral("  —  ") + jsonl;
  auto* item = new QListWidgetItem(text);
  item->setData(Qt::UserRole, QVariant::fromValue(task));
  // Drops must go between items: InternalMove onto an item would otherwise replace it.
  item->setFlags(item->flags() & ~Qt::ItemIsDropEnabled);
  tasks_->addItem(item);
  tasks_->setCurrentItem(item);
}

void ExperimentDesigner::moveCurrentTask(int delta) {
  const int row = tasks_->currentRow();
  const int target = row + delta;
  if (row < 0 || target < 0 || target >= tasks_->count()) return;
  // Take and insert are two model changes; the form reacts once, to the finished move.
  loading_ = true;
  QListWidgetItem* item = tasks_->takeItem(row);
  tasks_->insertItem(target, item);
  loading_ = false;
  tasks_->setCurrentRow(target);
  onEdited();
}

void ExperimentDesigner::onEdited() {
  if (loading_) return;
  revalidate();
  Q_EMIT changed();
}

void ExperimentDesigner::flag(QWidget* widget, const QString& problem) {
  const QString hint = widget->property(kHintProperty).toString();
  if (problem.isEmpty()) {
    widget->setStyleSheet(QString());
    widget->setToolTip(hint);
    return;
  }
  // Selected by name, so a flagged group box does not pass the border on to its children.
  widget->setStyleSheet(QStringLiteral("#%1 { border: 2px solid #d32f2f; border-radius: 3px; }")
                            .arg(widget->objectName()));
  widget->setToolTip(hint.isEmpty() ? problem : problem + QLatin1Char('\n') + hint);
}

void ExperimentDesigner::revalidate() {
  QStringList problems;
  for (const Field& field : std::as_const(fields_)) {
    const QString problem = field.check();
    flag(field.widget, problem);
    if (!problem.isEmpty()) problems.append(field.path + QStringLiteral(": ") + problem);
  }
  problems_ = problems;
  if (isValid() != valid_) {
    valid_ = isValid();
    Q_EMIT validityChanged(valid_);
  }
}

bool ExperimentDesigner::ticked(const QString& name) const {
  for (const Strategy& s : strategies_) {
    if (s.name == name) return s.box->isChecked();
  }
  return false;
}

ExperimentDesigner::Strategy* ExperimentDesigner::strategy(const QString& name) {
  for (Strategy& s : strategies_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

QJsonArray ExperimentDesigner::tasksJson() const {
  QJsonArray tasks;
  for (int row = 0; row < tasks_->count(); ++row) {
    tasks.append(tasks_->item(row)->data(Qt::UserRole).toJsonValue());
  }
  return tasks;
}

QJsonArray ExperimentDesigner::strategiesJson() const {
  // The first entry of a ticked strategy carries the form's settings; a plain name when nothing
  // else is set, as people write it.
  auto edited = [this](const Strategy& s) -> QJsonValue {
    QJsonObject entry = s.entry;
    if (s.name == QLatin1String("replay")) {
      setNumber(&entry, QStringLiteral("fraction"), fraction_);
    } else if (s.name == QLatin1String("switchcit")) {
      setNumber(&entry, QStringLiteral("retention"), retention_);
      setOrRemove(&entry, QStringLiteral("pooling"), pooling_->currentText(), pooling_touched_);
    }
    if (entry.size() == 1) return s.name;
    return entry;
  };

  QJsonArray out;
  QSet<QString> written;
  // The file's order first; unticking a strategy drops every entry of it.
  for (const QJsonValue& value : file_strategies_) {
    const QString name = value.isString()
                             ? value.toString()
                             : value.toObject().value(QLatin1String("name")).toString();
    const Strategy* s = nullptr;
    for (const Strategy& candidate : strategies_) {
      if (candidate.name == name) s = &candidate;
    }
    if (s == nullptr || !s->box->isChecked()) continue;
    if (written.contains(name)) {
      out.append(value);  // a further entry of the same strategy, kept as the file had it
    } else {
      out.append(edited(*s));
      written.insert(name);
    }
  }
  for (const Strategy& s : strategies_) {
    if (s.box->isChecked() && !written.contains(s.name)) out.append(edited(s));
  }
  return out;
}

QJsonObject ExperimentDesigner::toJson() const {
  QJsonObject out = file_;
  setText(&out, QStringLiteral("name"), name_);
  setText(&out, QStringLiteral("base_model"), base_model_);
  setOrRemove(&out, QStringLiteral("weights_dtype"), weights_dtype_->currentText(),
              weights_dtype_touched_);
  setOrRemove(&out, QStringLiteral("device"), device_->currentText(), device_touched_);
  out.insert(QStringLiteral("tasks"), tasksJson());

  QJsonObject data = out.value(QLatin1String("data")).toObject();
  setInteger(&data, QStringLiteral("train_examples"), train_examples_);
  setInteger(&data, QStringLiteral("test_examples"), test_examples_);
  setChild(&out, QStringLiteral("data"), data);

  QJsonArray seeds;
  for (const QString& part : splitList(seeds_->text())) seeds.append(integerValue(part));
  setOrRemove(&out, QStringLiteral("seeds"), seeds, !seeds_->text().trimmed().isEmpty());

  QJsonObject training = out.value(QLatin1String("training")).toObject();
  setInteger(&training, QStringLiteral("steps"), steps_);
  setInteger(&training, QStringLiteral("batch_size"), batch_size_);
  setNumber(&training, QStringLiteral("lr"), lr_);
  setNumber(&training, QStringLiteral("full_lr"), full_lr_);
  setOrRemove(&training, QStringLiteral("precision"), precision_->currentText(),
              precision_touched_);
  QJsonObject lora = training.value(QLatin1String("lora")).toObject();
  setInteger(&lora, QStringLiteral("r"), lora_r_);
  setNumber(&lora, QStringLiteral("alpha"), lora_alpha_);
  setNumber(&lora, QStringLiteral("dropout"), lora_dropout_);
  setOrRemove(&lora, QStringLiteral("target_modules"),
              QJsonArray::fromStringList(splitList(target_modules_->text())),
              !target_modules_->text().trimmed().isEmpty());
  setChild(&training, QStringLiteral("lora"), lora);
  setChild(&out, QStringLiteral("training"), training);

  out.insert(QStringLiteral("strategies"), strategiesJson());

  QJsonObject evaluation = out.value(QLatin1String("evaluation")).toObject();
  setInteger(&evaluation, QStringLiteral("max_new_tokens"), max_new_tokens_);
  setChild(&out, QStringLiteral("evaluation"), evaluation);
  return out;
}

void ExperimentDesigner::clearForm() {
  for (QLineEdit* edit : findChildren<QLineEdit*>()) edit->clear();
  for (QComboBox* box : {weights_dtype_, device_, precision_, pooling_}) box->setCurrentIndex(0);
  weights_dtype_touched_ = device_touched_ = precision_touched_ = pooling_touched_ = false;
  tasks_->clear();
  for (Strategy& s : strategies_) {
    s.box->setChecked(false);
    s.entry = QJsonObject{{QStringLiteral("name"), s.name}};
  }
  extra_strategies_->clear();
  extra_strategies_->hide();
  file_ = {};
  file_strategies_ = {};
}

bool ExperimentDesigner::fromJson(const QJsonObject& experiment, QString* error) {
  auto fail = [error](const QString& message) {
    if (error != nullptr) *error = message;
    return false;
  };
  // Check the shapes first, so a file that cannot be shown leaves the form as it was.
  const QJsonValue tasks = experiment.value(QLatin1String("tasks"));
  if (!tasks.isUndefined() && !tasks.isArray()) return fail(tr("tasks: expected a list"));
  const QJsonArray task_list = tasks.toArray();
  for (qsizetype i = 0; i < task_list.size(); ++i) {
    const QJsonValue task = task_list[i];
    if (!(task.isString() || task.isObject()) || taskName(task).isEmpty()) {
      return fail(tr("tasks[%1]: expected a task name or an object with a name").arg(i));
    }
  }
  const QJsonValue strategies = experiment.value(QLatin1String("strategies"));
  if (!strategies.isUndefined() && !strategies.isArray()) {
    return fail(tr("strategies: expected a list"));
  }
  const QJsonArray strategy_list = strategies.toArray();
  for (qsizetype i = 0; i < strategy_list.size(); ++i) {
    const QJsonValue value = strategy_list[i];
    const QString name = value.isString()
                             ? value.toString()
                             : value.toObject().value(QLatin1String("name")).toString();
    if (!strategyNames().contains(name)) {
      return fail(tr("strategies[%1]: expected one of %2")
                      .arg(i)
                      .arg(strategyNames().join(QLatin1String(", "))));
    }
  }
  for (const char* key : {"data", "training", "evaluation"}) {
    const QJsonValue value = experiment.value(QLatin1String(key));
    if (!value.isUndefined() && !value.isObject()) {
      return fail(tr("%1: expected an object").arg(QLatin1String(key)));
    }
  }
  const QJsonObject training = experiment.value(QLatin1String("training")).toObject();
  const QJsonValue lora_value = training.value(QLatin1String("lora"));
  if (!lora_value.isUndefined() && !lora_value.isObject()) {
    return fail(tr("training.lora: expected an object"));
  }

  loading_ = true;
  clearForm();
  file_ = experiment;
  name_->setText(fieldText(experiment.value(QLatin1String("name"))));
  base_model_->setText(fieldText(experiment.value(QLatin1String("base_model"))));
  auto choose = [](QComboBox* box, const QJsonValue& value, bool* touched) {
    if (value.isUndefined()) return;
    const QString text = fieldText(value);
    // A value the list lacks (cuda:1, or a typo) is shown as it is, and flagged if wrong.
    if (box->findText(text) < 0) box->addItem(text);
    box->setCurrentText(text);
    *touched = true;
  };
  choose(device_, experiment.value(QLatin1String("device")), &device_touched_);
  choose(weights_dtype_, experiment.value(QLatin1String("weights_dtype")), &weights_dtype_touched_);
  for (const QJsonValue& task : task_list) addTask(task);

  const QJsonObject data = experiment.value(QLatin1String("data")).toObject();
  train_examples_->setText(fieldText(data.value(QLatin1String("train_examples"))));
  test_examples_->setText(fieldText(data.value(QLatin1String("test_examples"))));
  seeds_->setText(fieldText(experiment.value(QLatin1String("seeds"))));

  steps_->setText(fieldText(training.value(QLatin1String("steps"))));
  batch_size_->setText(fieldText(training.value(QLatin1String("batch_size"))));
  lr_->setText(fieldText(training.value(QLatin1String("lr"))));
  full_lr_->setText(fieldText(training.value(QLatin1String("full_lr"))));
  choose(precision_, training.value(QLatin1String("precision")), &precision_touched_);
  const QJsonObject lora = lora_value.toObject();
  lora_r_->setText(fieldText(lora.value(QLatin1String("r"))));
  lora_alpha_->setText(fieldText(lora.value(QLatin1String("alpha"))));
  lora_dropout_->setText(fieldText(lora.value(QLatin1String("dropout"))));
  target_modules_->setText(fieldText(lora.value(QLatin1String("target_modules"))));

  file_strategies_ = strategy_list;
  QSet<QString> seen;
  QStringList extras;
  for (const QJsonValue& value : strategy_list) {
    const QJsonObject entry = value.isString()
                                  ? QJsonObject{{QStringLiteral("name"), value.toString()}}
                                  : value.toObject();
    const QString name = entry.value(QLatin1String("name")).toString();
    if (seen.contains(name)) {
      extras.append(strategyLabel(entry));
      continue;
    }
    seen.insert(name);
    Strategy* s = strategy(name);
    s->entry = entry;
    s->box->setChecked(true);
    if (name == QLatin1String("replay")) {
      fraction_->setText(fieldText(entry.value(QLatin1String("fraction"))));
    } else if (name == QLatin1String("switchcit")) {
      retention_->setText(fieldText(entry.value(QLatin1String("retention"))));
      choose(pooling_, entry.value(QLatin1String("pooling")), &pooling_touched_);
    }
  }
  if (!extras.isEmpty()) {
    extra_strategies_->setText(
        tr("Also in the file, kept as written (edit the file to change them): %1")
            .arg(extras.join(QLatin1String(", "))));
    extra_strategies_->show();
  }

  const QJsonObject evaluation = experiment.value(QLatin1String("evaluation")).toObject();
  max_new_tokens_->setText(fieldText(evaluation.value(QLatin1String("max_new_tokens"))));
  loading_ = false;
  revalidate();
  Q_EMIT changed();
  return true;
}

bool ExperimentDesigner::load(const QString& path, QString* error) {
  auto fail = [error, &path](const QString& message) {
    if (error != nullptr) *error = path + QStringLiteral(": ") + message;
    return false;
  };
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return fail(file.errorString());
  path_ = path;  // the draft's relative paths resolve against it
  QJsonParseError parse_error;
  const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parse_error);
  if (parse_error.error != QJsonParseError::NoError) {
    return fail(tr("%1 at byte %2").arg(parse_error.errorString()).arg(parse_error.offset));
  }
  if (!document.isObject()) return fail(tr("expected a JSON object"));
  QString message;
  if (!fromJson(document.object(), &message)) return fail(message);
  return true;
}

bool ExperimentDesigner::save(const QString& path, QString* error) const {
  // QSaveFile: a failed write leaves the old file whole rather than half-written.
  path_ = path;
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(QJsonDocument(toJson()).toJson(QJsonDocument::Indented)) < 0 || !file.commit()) {
    if (error != nullptr) *error = path + QStringLiteral(": ") + file.errorString();
    return false;
  }
  return true;
}

}  // namespace sy::ui
