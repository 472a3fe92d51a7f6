// ExperimentDesigner: lays the engine's schema out as a form, passes edits to
// the draft and flags the fields the draft finds wrong.
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
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QRegularExpression>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <utility>

#include "ui/error_style.h"
#include "ui/experiment_draft.h"

namespace sy::ui {

namespace {

const char kHintProperty[] = "syHint";

// A task entry's name: the string itself, or the object's "name" (else its
// "builtin").
QString taskName(const QJsonValue& task) {
  if (task.isString()) return task.toString();
  const QJsonObject object = task.toObject();
  if (object.contains(QLatin1String("name"))) return object.value(QLatin1String("name")).toString();
  return object.value(QLatin1String("builtin")).toString();
}

// The group a key belongs to ("training" for "training.steps"), "" for the
// experiment's own.
QString groupOf(const QString& key) {
  const QString first = key.section(QLatin1Char('.'), 0, 0);
  if (first == QLatin1String("data") || first == QLatin1String("training") ||
      first == QLatin1String("evaluation"))
    return first;
  return key == QLatin1String("seeds") ? QStringLiteral("data") : QString();
}

// The key inside its group: "lora.r" for "training.lora.r".
QString inGroup(const QString& key) {
  const QString group = groupOf(key);
  return group.isEmpty() || !key.startsWith(group + QLatin1Char('.')) ? key
                                                                      : key.mid(group.size() + 1);
}

// "lora.target_modules" -> "loraTargetModules".
QString camel(const QString& key) {
  QString out;
  bool upper = false;
  for (const QChar c : key) {
    if (c == QLatin1Char('.') || c == QLatin1Char('_') || c == QLatin1Char('-')) {
      upper = !out.isEmpty();
      continue;
    }
    out += upper ? c.toUpper() : c;
    upper = false;
  }
  return out;
}

// "lora.target_modules" -> "LoRA target modules", "full_lr" -> "Full learning
// rate".
QString labelOf(const QString& key) {
  QStringList words;
  for (const QString& part : key.split(QRegularExpression(QStringLiteral("[._]")))) {
    if (part == QLatin1String("lr"))
      words << QStringLiteral("learning rate");
    else if (part == QLatin1String("lora"))
      words << QStringLiteral("LoRA");
    else
      words << part;
  }
  QString text = words.join(QLatin1Char(' '));
  if (!text.isEmpty()) text[0] = text[0].toUpper();
  return text;
}

// What an empty field means: the schema's default, or how it is found.
QString defaultText(const DraftField& f) {
  return f.default_text.isEmpty() ? ExperimentDraft::valueText(f.default_value) : f.default_text;
}

}  // namespace

ExperimentDesigner::ExperimentDesigner(QWidget* parent)
    : QWidget(parent), draft_(new ExperimentDraft(this)) {
  auto* layout = new QVBoxLayout(this);

  // Until the engine has described the file, the form says so; if it cannot,
  // the form says why.
  schema_status_ = new QLabel(tr("Asking the engine which settings an "
                                 "experiment has (switchyard-engine schema)…"),
                              this);
  schema_status_->setObjectName(QStringLiteral("schemaStatus"));
  schema_status_->setWordWrap(true);
  layout->addWidget(schema_status_);
  // Where the user looks first: what is wrong with the draft (also flagged at
  // each field), and what the engine said of the file as saved.
  problems_ = new QLabel(this);
  problems_->setObjectName(QStringLiteral("problems"));
  problems_->setWordWrap(true);
  problems_->setTextFormat(Qt::PlainText);
  problems_->hide();
  layout->addWidget(problems_);
  file_status_ = new QLabel(this);
  file_status_->setObjectName(QStringLiteral("fileStatus"));
  file_status_->setWordWrap(true);
  file_status_->setTextFormat(Qt::PlainText);
  file_status_->setStyleSheet(QString::fromLatin1(kErrorTextStyle));
  file_status_->hide();
  layout->addWidget(file_status_);
  connect(draft_, &ExperimentDraft::fileChecked, this, [this](const QString& error) {
    file_status_->setText(tr("The engine would not run %1 as saved:\n%2")
                              .arg(QFileInfo(draft_->path()).fileName(), error));
    file_status_->setVisible(!error.isEmpty());
  });

  // The experiment: its fields come from the schema, above the memory estimate.
  experiment_box_ = new QGroupBox(tr("Experiment"), this);
  experiment_form_ = new QFormLayout(experiment_box_);
  // What a run would need in memory, as the engine checks it before it starts.
  memory_ = new QLabel(tr("estimating…"), this);
  memory_->setObjectName(QStringLiteral("memoryEstimate"));
  memory_->setToolTip(
      tr("The engine's estimate of a run's peak memory (base weights, the largest "
         "strategy's training state, one step's activations): an upper bound. "
         "Run refuses a run that does not fit."));
  experiment_form_->addRow(tr("Memory"), memory_);
  connect(draft_, &ExperimentDraft::estimated, this, [this](const QString& text, bool fits) {
    memory_->setText(text);
    memory_->setStyleSheet(fits ? QString() : QString::fromLatin1(kErrorTextStyle));
  });
  connect(draft_, &ExperimentDraft::estimateFailed, this, [this](const QString& message) {
    memory_->setText(tr("no estimate: %1").arg(message));
    memory_->setStyleSheet(QStringLiteral("color: gray"));
  });
  layout->addWidget(experiment_box_);

  // The task sequence.
  auto* tasks_box = new QGroupBox(tr("Tasks, in training order"), this);
  auto* tasks_layout = new QVBoxLayout(tasks_box);
  tasks_ = new QListWidget(this);
  tasks_->setObjectName(QStringLiteral("tasks"));
  tasks_->setDragDropMode(QAbstractItemView::InternalMove);
  tasks_->setDefaultDropAction(Qt::MoveAction);
  tasks_->setToolTip(tr("Drag to reorder. Every task needs its own name."));
  tasks_->setProperty(kHintProperty, tasks_->toolTip());
  // The scrolling form would squeeze the list to three rows at 1280x720 (seen in the
  // screenshots): keep the demo's five tasks and a spare row visible.
  tasks_->setMinimumHeight(tasks_->fontMetrics().lineSpacing() * 6 + 2 * tasks_->frameWidth() + 6);
  tasks_layout->addWidget(tasks_);
  // Drops, removals and moves all go through the model, whichever button or
  // drag caused them.
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

  data_box_ = new QGroupBox(tr("Data and seeds"), this);
  data_box_->setObjectName(QStringLiteral("dataGroup"));
  new QFormLayout(data_box_);
  training_box_ = new QGroupBox(tr("Training (every strategy)"), this);
  training_box_->setObjectName(QStringLiteral("trainingGroup"));
  new QFormLayout(training_box_);
  strategies_box_ = new QGroupBox(tr("Strategies"), this);
  strategies_box_->setObjectName(QStringLiteral("strategies"));
  strategies_box_->setToolTip(
      tr("Tick at least one strategy. A strategy's "
         "settings left empty take the experiment's."));
  strategies_box_->setProperty(kHintProperty, strategies_box_->toolTip());
  new QVBoxLayout(strategies_box_);
  evaluation_box_ = new QGroupBox(tr("Evaluation"), this);
  evaluation_box_->setObjectName(QStringLiteral("evaluationGroup"));
  new QFormLayout(evaluation_box_);
  for (QGroupBox* box : {data_box_, training_box_, strategies_box_, evaluation_box_}) {
    box->hide();  // until the schema says what they hold
    layout->addWidget(box);
  }
  layout->addStretch(1);

  connect(draft_, &ExperimentDraft::schemaKnown, this, [this] {
    buildFields();
    showDraft();
    schema_status_->hide();
    builtin_->clear();
    builtin_->addItems(draft_->builtinTasks());
    Q_EMIT schemaKnown();
  });
  connect(draft_, &ExperimentDraft::schemaFailed, this, [this](const QString& message) {
    schema_status_->setText(tr("The engine cannot be run, so the form cannot show the "
                               "experiment's settings: %1. "
                               "Set SWITCHYARD_ENGINE to the switchyard-engine program, or "
                               "install it beside the app.")
                                .arg(message));
    schema_status_->setStyleSheet(QString::fromLatin1(kErrorTextStyle));
  });
  connect(draft_, &ExperimentDraft::reset, this, [this] {
    buildStrategies();
    showDraft();
  });
  connect(draft_, &ExperimentDraft::entriesChanged, this, [this] {
    buildStrategies();
    showDraft();
  });
  connect(draft_, &ExperimentDraft::changed, this, [this] {
    showProblems();
    Q_EMIT changed();
  });
  connect(draft_, &ExperimentDraft::validityChanged, this, &ExperimentDesigner::validityChanged);
  showDraft();
}

QWidget* ExperimentDesigner::addField(const DraftField& f, int entry, const QString& object_name,
                                      QWidget* parent) {
  QString name = object_name;
  for (int n = 2; object_names_.contains(name); ++n) name = object_name + QString::number(n);
  object_names_ << name;
  QWidget* widget = nullptr;
  const QString key = f.key;
  if (f.type == DraftField::Type::Choice) {
    auto* box = new QComboBox(parent);
    // The first item leaves the field out of the file, so the engine's default
    // applies.
    box->addItem(tr("default (%1)").arg(defaultText(f)));
    box->addItems(f.choices);
    connect(box, &QComboBox::currentIndexChanged, this, [this, box, entry, key](int index) {
      if (!showing_) setValue(entry, key, index <= 0 ? QString() : box->itemText(index));
    });
    widget = box;
  } else {
    auto* edit = new QLineEdit(parent);
    edit->setPlaceholderText(defaultText(f));  // what applies while the field is empty
    connect(edit, &QLineEdit::textChanged, this, [this, entry, key](const QString& text) {
      if (!showing_) setValue(entry, key, text);
    });
    widget = edit;
  }
  widget->setObjectName(name);
  widget->setToolTip(f.help);
  widget->setProperty(kHintProperty, f.help);
  (entry < 0 ? bound_ : entry_bound_).append(Bound{widget, entry, key});
  return widget;
}

void ExperimentDesigner::buildFields() {
  showing_ = true;
  for (const DraftField& f : draft_->fields()) {
    const QString group = groupOf(f.key);
    const QString label = labelOf(inGroup(f.key));
    // Object names as short as they stay unique: "steps", "loraR",
    // "trainExamples".
    if (group.isEmpty()) {
      QWidget* widget = addField(f, -1, camel(f.key), experiment_box_);
      if (f.key == QLatin1String("base_model")) {
        auto* browse = new QPushButton(tr("Folder…"), experiment_box_);
        browse->setObjectName(QStringLiteral("browseBaseModel"));
        auto* edit = static_cast<QLineEdit*>(widget);
        connect(browse, &QPushButton::clicked, this, [this, edit] {
          const QString folder = QFileDialog::getExistingDirectory(this, tr("Base model folder"));
          if (!folder.isEmpty()) edit->setText(folder);
        });
        auto* row = new QHBoxLayout;
        row->addWidget(widget, 1);
        row->addWidget(browse);
        experiment_form_->insertRow(experiment_form_->rowCount() - 1, label, row);
      } else {
        experiment_form_->insertRow(experiment_form_->rowCount() - 1, label, widget);
      }
      continue;
    }
    QGroupBox* box = group == QLatin1String("data")       ? data_box_
                     : group == QLatin1String("training") ? training_box_
                                                          : evaluation_box_;
    QWidget* widget = addField(f, -1, camel(inGroup(f.key)), box);
    static_cast<QFormLayout*>(box->layout())->addRow(label, widget);
    box->show();
  }
  strategies_box_->show();
  showing_ = false;
}

void ExperimentDesigner::buildStrategies() {
  if (!draft_->isSchemaKnown()) return;
  if (strategies_page_ != nullptr) {
    // Later, not now: this may run inside a click on one of its buttons. Its
    // names go at once, so that the new page's are the only ones.
    strategies_page_->hide();
    for (QWidget* child : strategies_page_->findChildren<QWidget*>()) child->setObjectName({});
    strategies_page_->deleteLater();
  }
  entry_bound_.clear();
  // Names of widgets being deleted may be given out again.
  object_names_.clear();
  for (const Bound& bound : std::as_const(bound_)) object_names_ << bound.widget->objectName();
  strategies_page_ = new QWidget(strategies_box_);
  strategies_box_->layout()->addWidget(strategies_page_);
  auto* grid = new QGridLayout(strategies_page_);
  grid->setContentsMargins(0, 0, 0, 0);
  int row = 0;
  for (int entry = 0; entry < draft_->entryCount(); ++entry) {
    const QString name = draft_->entryStrategy(entry);
    const DraftStrategy* spec = draft_->strategySpec(name);
    const bool first = draft_->isFirstEntry(entry);
    QString base = camel(name);
    if (!first) base += QLatin1Char('_') + QString::number(entry);
    auto* box = new QCheckBox(first ? name : draft_->entryTitle(entry), strategies_page_);
    box->setObjectName(QStringLiteral("strategy_") + name +
                       (first ? QString() : QLatin1Char('_') + QString::number(entry)));
    box->setToolTip(spec->help);
    box->setChecked(draft_->isEntryTicked(entry));
    grid->addWidget(box, row, 0);
    // Its own settings beside it, two to a row so that switchcit's four fit a
    // 1280-pixel window; label, mode and the training overrides under "Settings".
    auto* own = new QGridLayout;
    own->setContentsMargins(0, 0, 0, 0);
    int owned = 0;
    auto* more = new QWidget(strategies_page_);
    auto* more_form = new QFormLayout(more);
    QList<QWidget*> settings;
    for (const DraftField& f : spec->fields) {
      QString key_name = camel(f.key);
      key_name[0] = key_name[0].toUpper();
      QWidget* widget = addField(f, entry, base + key_name, strategies_page_);
      settings << widget;
      const bool shared = !f.inherits.isEmpty() || f.key == QLatin1String("label") ||
                          f.key == QLatin1String("mode");
      if (shared) {
        more_form->addRow(labelOf(f.key), widget);
      } else {
        own->addWidget(new QLabel(f.key, strategies_page_), owned / 2, (owned % 2) * 2);
        own->addWidget(widget, owned / 2, (owned % 2) * 2 + 1);
        ++owned;
      }
    }
    own->setColumnStretch(1, 1);
    own->setColumnStretch(3, 1);
    grid->addLayout(own, row, 1);
    auto* toggle = new QToolButton(strategies_page_);
    toggle->setObjectName(base + QStringLiteral("Settings"));
    toggle->setText(tr("Settings"));
    toggle->setCheckable(true);
    toggle->setToolTip(
        tr("This entry's label, mode and training settings (empty: the "
           "experiment's)"));
    grid->addWidget(toggle, row, 2);
    auto* extra = new QToolButton(strategies_page_);
    if (first) {
      extra->setObjectName(QStringLiteral("add_") + name);
      extra->setText(tr("+"));
      extra->setToolTip(
          tr("Another %1 entry, e.g. with other settings and its own label").arg(name));
      connect(extra, &QToolButton::clicked, this, [this, name] { draft_->addEntry(name); });
    } else {
      extra->setObjectName(QStringLiteral("remove_") + base);
      extra->setText(tr("−"));
      extra->setToolTip(tr("Remove this entry"));
      connect(extra, &QToolButton::clicked, this, [this, entry] { draft_->removeEntry(entry); });
    }
    grid->addWidget(extra, row, 3);
    more->setVisible(false);
    grid->addWidget(more, row + 1, 0, 1, 4);
    connect(toggle, &QToolButton::toggled, more, &QWidget::setVisible);
    // Settings of an unticked entry are not written, so they are not editable
    // either.
    const bool on = draft_->isEntryTicked(entry);
    for (QWidget* setting : settings) setting->setEnabled(on);
    connect(box, &QCheckBox::toggled, this, [this, entry, settings](bool ticked) {
      for (QWidget* setting : settings) setting->setEnabled(ticked);
      if (!showing_) draft_->setEntryTicked(entry, ticked);
    });
    row += 2;
  }
  grid->setColumnStretch(1, 1);
}

QJsonObject ExperimentDesigner::toJson() const {
  return draft_->toJson();
}

void ExperimentDesigner::fromJson(const QJsonObject& experiment) {
  draft_->fromJson(experiment);
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

bool ExperimentDesigner::isSchemaKnown() const {
  return draft_->isSchemaKnown();
}

QStringList ExperimentDesigner::builtinTasks() const {
  return draft_->builtinTasks();
}

QWidget* ExperimentDesigner::fieldWidget(const QString& key) const {
  for (const Bound& bound : bound_) {
    if (bound.key == key) return bound.widget;
  }
  return nullptr;
}

QWidget* ExperimentDesigner::entryWidget(int entry, const QString& key) const {
  for (const Bound& bound : entry_bound_) {
    if (bound.entry == entry && bound.key == key) return bound.widget;
  }
  return nullptr;
}

QString ExperimentDesigner::value(int entry, const QString& key) const {
  return entry < 0 ? draft_->text(key) : draft_->entryText(entry, key);
}

void ExperimentDesigner::setValue(int entry, const QString& key, const QString& text) {
  if (entry < 0) {
    draft_->setText(key, text);
  } else {
    draft_->setEntryText(entry, key, text);
  }
}

void ExperimentDesigner::showDraft() {
  showing_ = true;
  QList<Bound> all = bound_;
  all += entry_bound_;
  for (const Bound& bound : std::as_const(all)) {
    const QString text = value(bound.entry, bound.key);
    if (auto* edit = qobject_cast<QLineEdit*>(bound.widget)) {
      edit->setText(text);
    } else if (auto* box = qobject_cast<QComboBox*>(bound.widget)) {
      // A value the list lacks (a typo) is shown as it is, and flagged.
      if (text.isEmpty()) {
        box->setCurrentIndex(0);
      } else {
        if (box->findText(text) < 1) box->addItem(text);
        box->setCurrentIndex(box->findText(text, Qt::MatchExactly));
      }
    }
  }
  tasks_->clear();
  for (const QJsonValue& task : draft_->tasks()) appendTaskItem(task);
  showing_ = false;
  showProblems();
}

void ExperimentDesigner::showProblems() {
  for (const Bound& bound : std::as_const(bound_)) flag(bound.widget, draft_->problem(bound.key));
  for (const Bound& bound : std::as_const(entry_bound_))
    flag(bound.widget, draft_->problem(ExperimentDraft::entryKey(bound.entry, bound.key)));
  // A new draft with nothing in it yet is not wrong, only empty: what it lacks reads as what to
  // do next, in the plain text colour, and nothing is flagged red before the first task.
  const bool blank = draft_->path().isEmpty() && draft_->tasks().isEmpty();
  flag(tasks_, blank ? QString() : draft_->problem(QStringLiteral("tasks")));
  flag(strategies_box_, blank ? QString() : draft_->problem(QStringLiteral("strategies")));
  // A group the file holds as something else than an object.
  flag(data_box_, draft_->problem(QStringLiteral("data")));
  flag(training_box_, draft_->problem(QStringLiteral("training")));
  flag(evaluation_box_, draft_->problem(QStringLiteral("evaluation")));
  const QStringList problems = draft_->problems();
  problems_->setText(
      blank
          ? tr("A new experiment: add its tasks and tick its strategies, then run it (Ctrl+R).\n") +
                problems.join(QLatin1Char('\n'))
          : problems.join(QLatin1Char('\n')));
  problems_->setStyleSheet(blank ? QString() : QString::fromLatin1(kErrorTextStyle));
  problems_->setVisible(draft_->isSchemaKnown() && !problems.isEmpty());
}

void ExperimentDesigner::appendTaskItem(const QJsonValue& task) {
  const QJsonObject object = task.toObject();
  QString text = taskName(task);
  const QString jsonl = object.value(QLatin1String("jsonl")).toString();
  if (!jsonl.isEmpty()) text += QStringLiteral("  —  ") + jsonl;
  auto* item = new QListWidgetItem(text);
  item->setData(Qt::UserRole, QVariant::fromValue(task));
  // Drops must go between items: InternalMove onto an item would otherwise
  // replace it.
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
  // Take and insert are two model changes; the draft hears once, of the
  // finished move.
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
  // Selected by name, so a flagged group box does not pass the border on to its
  // children.
  widget->setStyleSheet(QStringLiteral("#%1 { border: 2px solid #d32f2f; border-radius: 3px; }")
                            .arg(widget->objectName()));
  widget->setToolTip(hint.isEmpty() ? problem : problem + QLatin1Char('\n') + hint);
}

}  // namespace sy::ui
