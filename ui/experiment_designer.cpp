// ExperimentDesigner: the form of one experiment file (docs/experiments.md) — tasks in order,
// data, seeds, shared training settings, the strategies with their own settings, evaluation —
// bound to an ExperimentDraft, which holds the values, checks them and reads and writes the file;
// this widget lays the fields out, passes edits on and flags what the draft finds wrong.
#include "ui/experiment_designer.h"

#include <QAbstractItemModel>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include <utility>

#include "ui/experiment_draft.h"

namespace sy::ui {

namespace {

const char kHintProperty[] = "syHint";

// A task entry's name: the string itself, or the object's "name" (else its "builtin").
QString taskName(const QJsonValue& task) {
  if (task.isString()) return task.toString();
  const QJsonObject object = task.toObject();
  if (object.contains(QLatin1String("name"))) return object.value(QLatin1String("name")).toString();
  return object.value(QLatin1String("builtin")).toString();
}

}  // namespace

ExperimentDesigner::ExperimentDesigner(QWidget* parent)
    : QWidget(parent), draft_(new ExperimentDraft(this)) {
  auto* layout = new QVBoxLayout(this);

  // The experiment.
  auto* experiment_box = new QGroupBox(tr("Experiment"), this);
  auto* experiment_form = new QFormLayout(experiment_box);
  name_ = addLineEdit(QStringLiteral("name"), tr("the file name without .json"),
                      QStringLiteral("name"));
  name_->setToolTip(tr("The experiment's name; run ids are NAME/STRATEGY/seedN."));
  experiment_form->addRow(tr("Name"), name_);
  base_model_ = addLineEdit(QStringLiteral("baseModel"), QStringLiteral("builtin"),
                            QStringLiteral("base_model"));
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
                             QStringLiteral("weights_dtype"));
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
  connect(draft_, &ExperimentDraft::estimated, this, [this](const QString& text, bool fits) {
    memory_->setText(text);
    memory_->setStyleSheet(fits ? QString() : QStringLiteral("color: #c0392b"));
  });
  connect(draft_, &ExperimentDraft::estimateFailed, this, [this](const QString& message) {
    memory_->setText(tr("no estimate: %1").arg(message));
    memory_->setStyleSheet(QStringLiteral("color: gray"));
  });
  device_ = addChoice(QStringLiteral("device"),
                      {QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")},
                      QStringLiteral("device"));
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
  connect(tasks_->model(), &QAbstractItemModel::rowsInserted, this,
          &ExperimentDesigner::tasksEdited);
  connect(tasks_->model(), &QAbstractItemModel::rowsRemoved, this,
          &ExperimentDesigner::tasksEdited);
  connect(tasks_->model(), &QAbstractItemModel::rowsMoved, this, &ExperimentDesigner::tasksEdited);

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
  train_examples_ = addLineEdit(QStringLiteral("trainExamples"), QStringLiteral("1000"),
                                QStringLiteral("data.train_examples"));
  train_examples_->setToolTip(tr("Training examples per built-in task."));
  data_form->addRow(tr("Training examples"), train_examples_);
  test_examples_ = addLineEdit(QStringLiteral("testExamples"), QStringLiteral("50"),
                               QStringLiteral("data.test_examples"));
  test_examples_->setToolTip(tr("Test examples per task."));
  data_form->addRow(tr("Test examples"), test_examples_);
  seeds_ = addLineEdit(QStringLiteral("seeds"), QStringLiteral("0"), QStringLiteral("seeds"));
  seeds_->setToolTip(tr("Comma-separated whole numbers, e.g. 0, 1, 2: one run per seed."));
  data_form->addRow(tr("Seeds"), seeds_);
  layout->addWidget(data_box);

  // Shared training settings.
  auto* training_box = new QGroupBox(tr("Training (every strategy)"), this);
  auto* training_form = new QFormLayout(training_box);
  steps_ =
      addLineEdit(QStringLiteral("steps"), QStringLiteral("300"), QStringLiteral("training.steps"));
  steps_->setToolTip(tr("Optimiser steps per stage."));
  training_form->addRow(tr("Steps"), steps_);
  batch_size_ = addLineEdit(QStringLiteral("batchSize"), QStringLiteral("16"),
                            QStringLiteral("training.batch_size"));
  training_form->addRow(tr("Batch size"), batch_size_);
  lr_ = addLineEdit(QStringLiteral("lr"), QStringLiteral("0.002"), QStringLiteral("training.lr"));
  lr_->setToolTip(tr("Learning rate for LoRA training."));
  training_form->addRow(tr("Learning rate (LoRA)"), lr_);
  full_lr_ = addLineEdit(QStringLiteral("fullLr"), QStringLiteral("0.0003"),
                         QStringLiteral("training.full_lr"));
  full_lr_->setToolTip(tr("Learning rate for full fine-tuning."));
  training_form->addRow(tr("Learning rate (full)"), full_lr_);
  precision_ = addChoice(QStringLiteral("precision"),
                         {QStringLiteral("fp32"), QStringLiteral("bf16"), QStringLiteral("fp16"),
                          QStringLiteral("auto")},
                         QStringLiteral("training.precision"));
  precision_->setToolTip(
      tr("fp32 (the reference), bf16, fp16 (CUDA only, with loss scaling), "
         "or auto (bf16 on a GPU, fp32 on a CPU, where our FP32 kernels are faster)."));
  training_form->addRow(tr("Precision"), precision_);
  lora_r_ =
      addLineEdit(QStringLiteral("loraR"), QStringLiteral("8"), QStringLiteral("training.lora.r"));
  training_form->addRow(tr("LoRA rank r"), lora_r_);
  lora_alpha_ = addLineEdit(QStringLiteral("loraAlpha"), QStringLiteral("16"),
                            QStringLiteral("training.lora.alpha"));
  training_form->addRow(tr("LoRA alpha"), lora_alpha_);
  lora_dropout_ = addLineEdit(QStringLiteral("loraDropout"), QStringLiteral("0.05"),
                              QStringLiteral("training.lora.dropout"));
  training_form->addRow(tr("LoRA dropout"), lora_dropout_);
  target_modules_ = addLineEdit(QStringLiteral("targetModules"),
                                QStringLiteral("qkv_proj, o_proj, up_proj, down_proj"),
                                QStringLiteral("training.lora.target_modules"));
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
  fraction_ = addLineEdit(QStringLiteral("replayFraction"), QStringLiteral("0.01"),
                          QStringLiteral("fraction"), QStringLiteral("replay"));
  fraction_->setToolTip(tr("Share of every earlier task's training examples replayed (0 to 1)."));
  retention_ = addLineEdit(QStringLiteral("switchcitRetention"), QStringLiteral("0.01"),
                           QStringLiteral("retention"), QStringLiteral("switchcit"));
  retention_->setToolTip(tr("Share of training prompts kept for the switch network (0 to 1)."));
  pooling_ = addChoice(
      QStringLiteral("switchcitPooling"),
      {QStringLiteral("split-mean"), QStringLiteral("mean"), QStringLiteral("last-token")},
      QStringLiteral("pooling"), QStringLiteral("switchcit"));
  pooling_->setToolTip(tr("How the switch network pools a prompt's hidden states."));
  const QList<DraftStrategy>& strategies = draft_->strategies();
  int row = 0;
  for (const DraftStrategy& strategy : strategies) {
    const QString name = strategy.name;
    auto* box = new QCheckBox(name, this);
    box->setObjectName(QStringLiteral("strategy_") + name);
    strategy_boxes_.insert(name, box);
    grid->addWidget(box, row, 0);
    QList<QWidget*> settings;
    if (name == QLatin1String("replay")) {
      grid->addWidget(new QLabel(tr("fraction"), this), row, 1);
      grid->addWidget(fraction_, row, 2);
      settings = {fraction_};
    } else if (name == QLatin1String("switchcit")) {
      grid->addWidget(new QLabel(tr("retention"), this), row, 1);
      grid->addWidget(retention_, row, 2);
      grid->addWidget(new QLabel(tr("pooling"), this), row, 3);
      grid->addWidget(pooling_, row, 4);
      settings = {retention_, pooling_};
    }
    // Settings of an unticked strategy are not written, so they are not editable either.
    for (QWidget* setting : settings) setting->setEnabled(false);
    connect(box, &QCheckBox::toggled, this, [this, name, settings](bool on) {
      for (QWidget* setting : settings) setting->setEnabled(on);
      if (!showing_) draft_->setTicked(name, on);
    });
    ++row;
  }
  extra_strategies_ = new QLabel(this);
  extra_strategies_->setObjectName(QStringLiteral("extraStrategies"));
  extra_strategies_->setWordWrap(true);
  extra_strategies_->hide();
  grid->addWidget(extra_strategies_, row, 0, 1, 5);
  grid->setColumnStretch(5, 1);
  layout->addWidget(strategies_box);

  // Evaluation.
  auto* evaluation_box = new QGroupBox(tr("Evaluation"), this);
  auto* evaluation_form = new QFormLayout(evaluation_box);
  max_new_tokens_ = addLineEdit(QStringLiteral("maxNewTokens"), QStringLiteral("64"),
                                QStringLiteral("evaluation.max_new_tokens"));
  max_new_tokens_->setToolTip(tr("Greedy decoding budget for every evaluation."));
  evaluation_form->addRow(tr("Max new tokens"), max_new_tokens_);
  layout->addWidget(evaluation_box);
  layout->addStretch(1);

  // Each flagged widget keeps its own tooltip as the hint shown under the problem.
  QList<QWidget*> flaggable = {tasks_, strategies_box_};
  for (const Bound& bound : std::as_const(bound_)) flaggable.append(bound.widget);
  for (QWidget* widget : flaggable) widget->setProperty(kHintProperty, widget->toolTip());

  connect(draft_, &ExperimentDraft::reset, this, &ExperimentDesigner::showDraft);
  connect(draft_, &ExperimentDraft::changed, this, [this] {
    showProblems();
    Q_EMIT changed();
  });
  connect(draft_, &ExperimentDraft::validityChanged, this, &ExperimentDesigner::validityChanged);
  connect(draft_, &ExperimentDraft::builtinTasksKnown, this, [this] {
    builtin_->clear();
    builtin_->addItems(draft_->builtinTasks());
    Q_EMIT builtinTasksKnown();
  });
  showDraft();
}

QJsonObject ExperimentDesigner::toJson() const {
  return draft_->toJson();
}

bool ExperimentDesigner::fromJson(const QJsonObject& experiment, QString* error) {
  return draft_->fromJson(experiment, error);
}

bool ExperimentDesigner::load(const QString& path, QString* error) {
  return draft_->load(path, error);
}

bool ExperimentDesigner::save(const QString& path, QString* error) const {
  return draft_->save(path, error);
}

bool ExperimentDesigner::isValid() const {
  return draft_->isValid();
}

QStringList ExperimentDesigner::problems() const {
  return draft_->problems();
}

QStringList ExperimentDesigner::builtinTasks() const {
  return draft_->builtinTasks();
}

bool ExperimentDesigner::areBuiltinTasksKnown() const {
  return draft_->areBuiltinTasksKnown();
}

bool ExperimentDesigner::builtinTasksFromEngine() const {
  return draft_->builtinTasksFromEngine();
}

QLineEdit* ExperimentDesigner::addLineEdit(const QString& object_name, const QString& placeholder,
                                           const QString& key, const QString& strategy) {
  auto* edit = new QLineEdit(this);
  edit->setObjectName(object_name);
  edit->setPlaceholderText(placeholder);  // the engine's default, shown while the field is empty
  bound_.append(Bound{edit, strategy, key});
  connect(edit, &QLineEdit::textChanged, this, [this, strategy, key](const QString& text) {
    if (!showing_) setValue(strategy, key, text);
  });
  return edit;
}

QComboBox* ExperimentDesigner::addChoice(const QString& object_name, const QStringList& items,
                                         const QString& key, const QString& strategy) {
  auto* box = new QComboBox(this);
  box->setObjectName(object_name);
  box->addItems(items);
  bound_.append(Bound{box, strategy, key});
  // A choice is written only once the user picked it or the file had it: each shows its default
  // before that, and writing it would pin a default the engine may later change. activated comes
  // from the user only; a later change of the index (by code) follows a choice already made.
  connect(box, &QComboBox::activated, this, [this, box, strategy, key] {
    if (!showing_) setValue(strategy, key, box->currentText());
  });
  connect(box, &QComboBox::currentIndexChanged, this, [this, box, strategy, key] {
    if (!showing_ && !value(strategy, key).isEmpty()) setValue(strategy, key, box->currentText());
  });
  return box;
}

QString ExperimentDesigner::value(const QString& strategy, const QString& key) const {
  return strategy.isEmpty() ? draft_->text(key) : draft_->strategyText(strategy, key);
}

void ExperimentDesigner::setValue(const QString& strategy, const QString& key,
                                  const QString& text) {
  if (strategy.isEmpty()) {
    draft_->setText(key, text);
  } else {
    draft_->setStrategyText(strategy, key, text);
  }
}

void ExperimentDesigner::showDraft() {
  showing_ = true;
  for (const Bound& bound : std::as_const(bound_)) {
    const QString text = value(bound.strategy, bound.key);
    if (auto* edit = qobject_cast<QLineEdit*>(bound.widget)) {
      edit->setText(text);
    } else if (auto* box = qobject_cast<QComboBox*>(bound.widget)) {
      // A value the list lacks (cuda:1, or a typo) is shown as it is, and flagged if wrong.
      if (!text.isEmpty() && box->findText(text) < 0) box->addItem(text);
      if (text.isEmpty()) {
        box->setCurrentIndex(0);
      } else {
        box->setCurrentText(text);
      }
    }
  }
  tasks_->clear();
  for (const QJsonValue& task : draft_->tasks()) appendTaskItem(task);
  for (auto it = strategy_boxes_.cbegin(); it != strategy_boxes_.cend(); ++it)
    it.value()->setChecked(draft_->isTicked(it.key()));
  const QStringList extras = draft_->extraStrategies();
  extra_strategies_->setText(
      tr("Also in the file, kept as written (edit the file to change them): %1")
          .arg(extras.join(QLatin1String(", "))));
  extra_strategies_->setVisible(!extras.isEmpty());
  showing_ = false;
  showProblems();
}

void ExperimentDesigner::showProblems() {
  for (const Bound& bound : std::as_const(bound_)) {
    flag(bound.widget,
         draft_->problem(bound.strategy.isEmpty() ? bound.key
                                                  : bound.strategy + QLatin1Char('.') + bound.key));
  }
  flag(tasks_, draft_->problem(QStringLiteral("tasks")));
  flag(strategies_box_, draft_->problem(QStringLiteral("strategies")));
}

void ExperimentDesigner::appendTaskItem(const QJsonValue& task) {
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

void ExperimentDesigner::addTask(const QJsonValue& task) {
  appendTaskItem(task);  // the list's rowsInserted passes it on to the draft
}

void ExperimentDesigner::tasksEdited() {
  if (showing_) return;
  QJsonArray tasks;
  for (int row = 0; row < tasks_->count(); ++row) {
    tasks.append(tasks_->item(row)->data(Qt::UserRole).toJsonValue());
  }
  draft_->setTasks(tasks);
}

void ExperimentDesigner::moveCurrentTask(int delta) {
  const int row = tasks_->currentRow();
  const int target = row + delta;
  if (row < 0 || target < 0 || target >= tasks_->count()) return;
  // Take and insert are two model changes; the draft hears once, of the finished move.
  showing_ = true;
  QListWidgetItem* item = tasks_->takeItem(row);
  tasks_->insertItem(target, item);
  showing_ = false;
  tasks_->setCurrentRow(target);
  tasksEdited();
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

}  // namespace sy::ui
