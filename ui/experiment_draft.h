// ExperimentDraft: the experiment file being edited (docs/experiments.md), without widgets — each
// field's text as typed, the task sequence, the ticked strategies and their own settings — with
// the checks of every field, the mapping to and from the file's JSON and the memory estimate of
// a valid draft. ExperimentDesigner is the form bound to it; tests drive it without a window.
#pragma once

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

namespace sy::ui {

class MemoryEstimator;

// One field the form shows: where it lives in the file and what it accepts.
struct DraftField {
  enum class Type { Text, Device, Integer, Number, Choice, Strings, Integers };
  QString key;  // its path in the file ("training.steps"), or in its strategy entry ("fraction")
  Type type = Type::Text;
  double min = 0, max = 0;  // Integer, Number, Integers: inclusive (Integers: min only)
  bool above_min = false;   // Number: min itself is refused (a learning rate of 0 trains nothing)
  QStringList choices;      // Choice
};

// A strategy the form offers, with the settings of its own that the form shows.
struct DraftStrategy {
  QString name;
  QList<DraftField> fields;
};

class ExperimentDraft : public QObject {
  Q_OBJECT

 public:
  explicit ExperimentDraft(QObject* parent = nullptr);

  const QList<DraftField>& fields() const { return fields_; }
  const QList<DraftStrategy>& strategies() const { return strategies_; }
  QStringList strategyNames() const;

  // A field's text as typed ("" : not set, the engine's default applies). Setting it re-checks
  // the draft and emits changed().
  QString text(const QString& key) const { return values_.value(key); }
  void setText(const QString& key, const QString& text);

  // The task entries in training order: a built-in name, or {"name", "jsonl", ...}.
  QJsonArray tasks() const { return tasks_; }
  void setTasks(const QJsonArray& tasks);

  bool isTicked(const QString& strategy) const;
  void setTicked(const QString& strategy, bool on);
  QString strategyText(const QString& strategy, const QString& key) const;
  void setStrategyText(const QString& strategy, const QString& key, const QString& text);
  // Entries of a strategy after its first (e.g. a second, labelled switchcit), as "name (label)":
  // kept as the file has them.
  QStringList extraStrategies() const { return extra_strategies_; }

  // "" or what the field expects, e.g. "expected a whole number from 1 to 1000, got \"0\"".
  // Keys: a field's key, "tasks", "strategies", or "STRATEGY.KEY" for a strategy's setting.
  QString problem(const QString& key) const { return problems_.value(key); }
  // One line per bad field, naming it and what it expects, e.g. "training.steps: expected ...".
  QStringList problems() const { return problem_lines_; }
  bool isValid() const { return problem_lines_.isEmpty(); }

  // The experiment file's JSON: the fields set (empty fields and untouched choices are left out,
  // so the engine's defaults apply), plus whatever the file held that the form does not show
  // (e.g. data.seed, a strategy's label), so nothing is lost.
  QJsonObject toJson() const;
  // Replaces the draft. False (with *error) only when the JSON cannot be shown at all (tasks or
  // strategies of the wrong shape); values out of range load and are flagged.
  bool fromJson(const QJsonObject& experiment, QString* error = nullptr);
  bool load(const QString& path, QString* error = nullptr);
  // Writes toJson() as indented JSON, valid or not, so a draft is never lost.
  bool save(const QString& path, QString* error = nullptr);
  QString path() const { return path_; }  // the file last loaded or saved

  // The built-in task names, as `switchyard-engine tasks` lists them, asked without blocking;
  // empty until builtinTasksKnown().
  QStringList builtinTasks() const { return builtin_tasks_; }
  bool areBuiltinTasksKnown() const { return builtin_tasks_known_; }
  bool builtinTasksFromEngine() const { return tasks_from_engine_; }

 Q_SIGNALS:
  void changed();
  void validityChanged(bool valid);
  // fromJson() replaced everything: a form shows the draft anew.
  void reset();
  void builtinTasksKnown();
  // The engine's memory estimate of the valid draft, or why there is none.
  void estimated(const QString& text, bool fits);
  void estimateFailed(const QString& message);

 private:
  struct Strategy {
    bool ticked = false;
    // The first entry of that name from the file (unknown keys such as label or min_retained
    // live on in it).
    QJsonObject entry;
    QHash<QString, QString> values;
  };

  void loadBuiltinTasks();
  void edited();
  void revalidate();
  QString check(const DraftField& field, const QString& text) const;
  QJsonArray strategiesJson() const;
  QJsonValue strategyEntry(const DraftStrategy& spec, const Strategy& s) const;
  const DraftStrategy* strategySpec(const QString& name) const;

  QList<DraftField> fields_;
  QList<DraftStrategy> strategies_;
  QHash<QString, QString> values_;
  QJsonArray tasks_;
  QHash<QString, Strategy> strategy_state_;
  // The file's strategy entries in order, for writing them back in that order; entries after the
  // first of a name are kept verbatim.
  QJsonArray file_strategies_;
  QStringList extra_strategies_;
  QJsonObject file_;  // the loaded file, for the fields the form does not show
  QString path_;
  QHash<QString, QString> problems_;
  QStringList problem_lines_;
  bool valid_ = false;
  bool loading_ = false;  // fromJson(): one changed() at the end, not one per field
  QStringList builtin_tasks_;
  bool builtin_tasks_known_ = false;
  bool tasks_from_engine_ = false;
  MemoryEstimator* estimator_;
};

}  // namespace sy::ui
