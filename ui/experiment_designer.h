// ExperimentDesigner: a form for one experiment file (docs/experiments.md) — tasks in order,
// data, seeds, shared training settings, the strategies with their own settings, evaluation —
// bound to an ExperimentDraft (ui/experiment_draft.h), which checks every field as it is typed
// and reads and writes the file the engine runs.
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;

namespace sy::ui {

class ExperimentDraft;

class ExperimentDesigner : public QWidget {
  Q_OBJECT

 public:
  explicit ExperimentDesigner(QWidget* parent = nullptr);

  // The draft the form shows and edits.
  ExperimentDraft& draft() { return *draft_; }

  // The draft's (ExperimentDraft's) file JSON, reading and writing.
  QJsonObject toJson() const;
  bool fromJson(const QJsonObject& experiment, QString* error = nullptr);
  bool load(const QString& path, QString* error = nullptr);
  // Writes the draft, valid or not, so it is never lost; callers that start a run check
  // isValid() first.
  bool save(const QString& path, QString* error = nullptr) const;

  // Appends a task entry: a built-in name, or {"name", "jsonl", ...} as the file holds it.
  void addTask(const QJsonValue& task);

  bool isValid() const;
  // One line per bad field, naming it and what it expects, e.g. "training.steps: expected ...".
  QStringList problems() const;

  // The built-in task names offered by "Add built-in task", as the engine listed them; empty
  // until the engine has answered (builtinTasksKnown()).
  QStringList builtinTasks() const;
  bool areBuiltinTasksKnown() const;
  // True when the names came from `switchyard-engine tasks`, false when the fallback list is used.
  bool builtinTasksFromEngine() const;

 Q_SIGNALS:
  void changed();
  void validityChanged(bool valid);
  // The engine's task list has arrived (or the engine could not be asked): builtinTasks() is
  // filled from here on.
  void builtinTasksKnown();

 private:
  // A field widget and the draft value it shows: an experiment field's key, or a strategy's.
  struct Bound {
    QWidget* widget;
    QString strategy;  // empty: an experiment field
    QString key;
  };

  QLineEdit* addLineEdit(const QString& object_name, const QString& placeholder, const QString& key,
                         const QString& strategy = {});
  QComboBox* addChoice(const QString& object_name, const QStringList& items, const QString& key,
                       const QString& strategy = {});
  QString value(const QString& strategy, const QString& key) const;
  void setValue(const QString& strategy, const QString& key, const QString& text);
  void showDraft();
  void showProblems();
  void appendTaskItem(const QJsonValue& task);
  void tasksEdited();
  void moveCurrentTask(int delta);
  void flag(QWidget* widget, const QString& problem);

  ExperimentDraft* draft_;
  QLineEdit* name_;
  QLineEdit* base_model_;
  QComboBox* weights_dtype_;
  QLabel* memory_;
  QComboBox* device_;
  QListWidget* tasks_;
  QComboBox* builtin_;
  QLineEdit* train_examples_;
  QLineEdit* test_examples_;
  QLineEdit* seeds_;
  QLineEdit* steps_;
  QLineEdit* batch_size_;
  QLineEdit* lr_;
  QLineEdit* full_lr_;
  QComboBox* precision_;
  QLineEdit* lora_r_;
  QLineEdit* lora_alpha_;
  QLineEdit* lora_dropout_;
  QLineEdit* target_modules_;
  QLineEdit* fraction_;
  QLineEdit* retention_;
  QComboBox* pooling_;
  QLineEdit* max_new_tokens_;
  QWidget* strategies_box_;
  QLabel* extra_strategies_;
  QHash<QString, QCheckBox*> strategy_boxes_;
  QList<Bound> bound_;
  bool showing_ = false;  // the form is being filled from the draft: no edits to pass on
};

}  // namespace sy::ui
