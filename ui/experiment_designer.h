// ExperimentDesigner: the form of one experiment file (docs/experiments.md),
// built from the engine's schema (`switchyard-engine schema --json`) — the
// experiment's fields grouped as the file groups them, the task sequence, every
// strategy entry with its own settings — and bound to an ExperimentDraft, which
// holds the values, checks them and reads and writes the file; this widget lays
// the fields out, passes edits on and flags what the draft finds wrong.
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

class QComboBox;
class QFormLayout;
class QGridLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;

namespace sy::ui {

class ExperimentDraft;
struct DraftField;

class ExperimentDesigner : public QWidget {
  Q_OBJECT

 public:
  explicit ExperimentDesigner(QWidget* parent = nullptr);

  // The draft the form shows and edits.
  ExperimentDraft& draft() { return *draft_; }

  // The draft's (ExperimentDraft's) file JSON, reading and writing.
  QJsonObject toJson() const;
  void fromJson(const QJsonObject& experiment);
  bool load(const QString& path, QString* error = nullptr);
  // Writes the draft, valid or not, so it is never lost; callers that start a
  // run check isValid() first.
  bool save(const QString& path, QString* error = nullptr) const;

  // Appends a task entry: a built-in name, or {"name", "jsonl", ...} as the
  // file holds it.
  void addTask(const QJsonValue& task);

  bool isValid() const;
  // One line per bad field, naming it and what it expects, e.g.
  // "training.steps: expected ...".
  QStringList problems() const;

  // Whether the engine has described the experiment file yet: the fields are
  // there from then.
  bool isSchemaKnown() const;
  // The built-in task names offered by "Add built-in task", as the engine's
  // schema lists them.
  QStringList builtinTasks() const;

  // A field's widget by its key ("training.steps"), or a strategy entry's
  // setting; nullptr when the form has none (yet).
  QWidget* fieldWidget(const QString& key) const;
  QWidget* entryWidget(int entry, const QString& key) const;

 Q_SIGNALS:
  void changed();
  void validityChanged(bool valid);
  // The engine's schema arrived and the form's fields are built.
  void schemaKnown();

 private:
  // A field widget and the draft value it shows: an experiment field, or a
  // strategy entry's.
  struct Bound {
    QWidget* widget;
    int entry;  // -1: an experiment field
    QString key;
  };

  void buildFields();
  void buildStrategies();
  QWidget* addField(const DraftField& field, int entry, const QString& object_name,
                    QWidget* parent);
  QString value(int entry, const QString& key) const;
  void setValue(int entry, const QString& key, const QString& text);
  void showDraft();
  void showProblems();
  void appendTaskItem(const QJsonValue& task);
  void tasksEdited();
  void moveCurrentTask(int delta);
  void flag(QWidget* widget, const QString& problem);

  ExperimentDraft* draft_;
  QLabel* schema_status_;
  QLabel* problems_;     // what the draft finds wrong, one line each: what Run would refuse
  QLabel* file_status_;  // the engine's error line for the file as saved
  QGroupBox* experiment_box_;
  QFormLayout* experiment_form_;
  QLabel* memory_;
  QListWidget* tasks_;
  QComboBox* builtin_;
  QGroupBox* data_box_;
  QGroupBox* training_box_;
  QGroupBox* evaluation_box_;
  QGroupBox* strategies_box_;
  QWidget* strategies_page_ = nullptr;  // rebuilt whenever the entries change
  QList<Bound> bound_;                  // the experiment's fields
  QList<Bound> entry_bound_;            // the strategy entries' settings
  QStringList object_names_;            // given out so far: each widget's is unique
  bool showing_ = false;  // the form is being filled from the draft: no edits to pass on
};

}  // namespace sy::ui
