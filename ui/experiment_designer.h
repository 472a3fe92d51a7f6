// ExperimentDesigner: a form for one experiment file (docs/experiments.md) — tasks in order,
// data, seeds, shared training settings, the strategies with their own settings, evaluation —
// that checks every field as it is typed and reads and writes the file the engine runs.
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace sy::ui {

class MemoryEstimator;

class ExperimentDesigner : public QWidget {
  Q_OBJECT

 public:
  explicit ExperimentDesigner(QWidget* parent = nullptr);

  // The experiment file's JSON: the fields the user set or the loaded file had (empty fields and
  // untouched choices are left out, so the engine's defaults apply), plus whatever the file held
  // that the form does not show (e.g. data.seed, a strategy's label), so nothing is lost.
  QJsonObject toJson() const;
  // Replaces the form's content. False (with *error) only when the JSON cannot be shown at all
  // (tasks or strategies of the wrong shape); values out of range load and are flagged.
  bool fromJson(const QJsonObject& experiment, QString* error = nullptr);
  bool load(const QString& path, QString* error = nullptr);
  // Writes toJson() as indented JSON, valid or not, so a draft is never lost; callers that start a
  // run check isValid() first.
  bool save(const QString& path, QString* error = nullptr) const;

  // Appends a task entry: a built-in name, or {"name", "jsonl", ...} as the file holds it.
  void addTask(const QJsonValue& task);

  bool isValid() const { return problems_.isEmpty(); }
  // One line per bad field, naming it and what it expects, e.g. "training.steps: expected ...".
  QStringList problems() const { return problems_; }

  // The built-in task names offered by "Add built-in task", as the engine listed them; empty
  // until the engine has answered (builtinTasksKnown()).
  QStringList builtinTasks() const;
  bool areBuiltinTasksKnown() const { return builtin_tasks_known_; }
  // True when the names came from `switchyard-engine tasks`, false when the fallback list is used.
  bool builtinTasksFromEngine() const { return tasks_from_engine_; }

  // The six strategies, in the order the form shows them.
  static QStringList strategyNames();

 Q_SIGNALS:
  void changed();
  void validityChanged(bool valid);
  // The engine's task list has arrived (or the engine could not be asked): builtinTasks() is
  // filled from here on.
  void builtinTasksKnown();

 private:
  // One checked text field: its JSON path (for messages) and a check returning "" when fine.
  struct Field {
    QWidget* widget;
    QString path;
    std::function<QString()> check;
  };
  // A strategy's row: its checkbox and the first entry of that name from the file (unknown keys
  // such as label or min_retained live on in it).
  struct Strategy {
    QString name;
    QCheckBox* box = nullptr;
    QJsonObject entry;
  };

  QLineEdit* addLineEdit(const QString& object_name, const QString& placeholder);
  QComboBox* addChoice(const QString& object_name, const QStringList& items, bool* touched);
  void addField(QWidget* widget, const QString& path, std::function<QString()> check);
  void loadBuiltinTasks();
  bool ticked(const QString& strategy) const;
  void moveCurrentTask(int delta);
  void clearForm();
  void onEdited();
  void revalidate();
  void flag(QWidget* widget, const QString& problem);
  QJsonArray tasksJson() const;
  QJsonArray strategiesJson() const;
  Strategy* strategy(const QString& name);

  QLineEdit* name_;
  QLineEdit* base_model_;
  QComboBox* weights_dtype_;
  QLabel* memory_;
  MemoryEstimator* estimator_;
  mutable QString path_;  // the file last loaded or saved
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

  // A choice is written only once the user picked it or the file had it, since each shows its
  // default before that and writing it would pin a default the engine may later change.
  bool weights_dtype_touched_ = false;
  bool device_touched_ = false;
  bool precision_touched_ = false;
  bool pooling_touched_ = false;

  QList<Field> fields_;
  QList<Strategy> strategies_;
  // The file's strategy entries in order, for writing them back in that order; entries after the
  // first of a name (e.g. a second, labelled switchcit) are kept verbatim.
  QJsonArray file_strategies_;
  // The loaded file, for the fields the form does not show.
  QJsonObject file_;
  QStringList problems_;
  bool valid_ = false;
  bool tasks_from_engine_ = false;
  bool builtin_tasks_known_ = false;
  bool loading_ = false;  // fromJson() fills fields: one changed() at the end, not one per field
};

}  // namespace sy::ui
