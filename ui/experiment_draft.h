// ExperimentDraft: the experiment file being edited (docs/experiments.md),
// without widgets — each field's text as typed, the task sequence, the strategy
// entries and their settings — built on the engine's own schema
// (`switchyard-engine schema --json`), with the checks of every field against
// the schema's ranges, the mapping to and from the file's JSON, the memory
// estimate of a valid draft and the engine's verdict on the file as saved.
// ExperimentDesigner is the form bound to it; tests drive it without a window.
#pragma once

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace sy::ui {

class EngineProcess;
class MemoryEstimator;

// One field of the form, as the engine's schema describes it
// (`switchyard-engine schema --json`, docs/engine-cli.md "schema"): where it
// lives in the file and what it accepts.
struct DraftField {
  enum class Type { Text, Integer, Number, Choice, Strings, Integers };
  QString key;  // its path in the file ("training.steps"), or in its strategy
                // entry ("lora.r")
  Type type = Type::Text;
  double min = 0, max = 0;   // Integer, Number, Integers: inclusive
  QStringList choices;       // Choice
  QString pattern;           // Text: what the whole value must match (the device's spelling)
  QJsonValue default_value;  // what applies when the field is empty (null: see
                             // default_text)
  QString default_text;      // how a computed default is found
  QString inherits;          // a strategy's override: the experiment field it defaults to
  QString help;
};

// A strategy the form offers, with every setting its entries may hold.
struct DraftStrategy {
  QString name;
  QString help;
  QList<DraftField> fields;
};

// The schema the draft is built on: the experiment's fields (without tasks and
// strategies), the strategies and the built-in task names.
struct DraftSchema {
  QList<DraftField> fields;
  QStringList keys;  // every key of the experiment object, "tasks" and "strategies" too
  QList<DraftStrategy> strategies;
  QStringList tasks;
  // From `schema --json`'s document; nullopt (with *error) for one this app
  // cannot read.
  static std::optional<DraftSchema> fromJson(const QJsonObject& schema, QString* error);
};

class ExperimentDraft : public QObject {
  Q_OBJECT

 public:
  // Asks the engine for its schema at once (`schema --json`, without blocking).
  explicit ExperimentDraft(QObject* parent = nullptr);

  // The schema: known once schemaKnown() came; schemaError() says why not when
  // the engine could not be asked (schemaFailed()). Until then the draft holds
  // a loaded file as it is.
  bool isSchemaKnown() const { return schema_known_; }
  QString schemaError() const { return schema_error_; }
  const QList<DraftField>& fields() const { return fields_; }
  const QList<DraftStrategy>& strategies() const { return strategies_; }
  const DraftStrategy* strategySpec(const QString& name) const;
  // The built-in task names, in `tasks` order; empty until the schema is known.
  QStringList builtinTasks() const { return builtin_tasks_; }

  // A field's text as typed ("" : not set, the engine's default applies).
  // Setting it re-checks the draft and emits changed().
  QString text(const QString& key) const { return values_.value(key); }
  void setText(const QString& key, const QString& text);

  // The task entries in training order: a built-in name, or {"name", "jsonl",
  // ...}.
  QJsonArray tasks() const { return tasks_; }
  void setTasks(const QJsonArray& tasks);

  // The strategy entries, grouped by strategy in the schema's order: every
  // strategy has a first entry (ticked or not), and may have further ones (a
  // second switchcit with its own label and retention). Each entry holds the
  // strategy's settings as typed ("": inherited or default).
  int entryCount() const { return int(entries_.size()); }
  QString entryStrategy(int entry) const { return entries_.value(entry).name; }
  bool isFirstEntry(int entry) const;
  // "switchcit", or "switchcit (label)" for an entry with its own label.
  QString entryTitle(int entry) const;
  bool isEntryTicked(int entry) const { return entries_.value(entry).ticked; }
  void setEntryTicked(int entry, bool on);
  QString entryText(int entry, const QString& key) const;
  void setEntryText(int entry, const QString& key, const QString& text);
  // Adds a ticked entry after the strategy's last one and returns its index;
  // removes one that is not its strategy's first. Both emit entriesChanged().
  int addEntry(const QString& strategy);
  void removeEntry(int entry);
  // The problem() key of an entry's setting.
  static QString entryKey(int entry, const QString& key);
  // The first entry of a strategy: ticked, and its settings.
  bool isTicked(const QString& strategy) const;
  void setTicked(const QString& strategy, bool on);
  QString strategyText(const QString& strategy, const QString& key) const;
  void setStrategyText(const QString& strategy, const QString& key, const QString& text);

  // "" or what the field expects, e.g. "expected a whole number from 1 to 1000,
  // got \"0\"". Keys: a field's key, "tasks", "strategies", or entryKey() for a
  // strategy's setting.
  QString problem(const QString& key) const { return problems_.value(key); }
  // One line per bad field, naming it and what it expects, e.g.
  // "training.steps: expected ...".
  QStringList problems() const { return problem_lines_; }
  bool isValid() const { return problem_lines_.isEmpty(); }

  // A JSON value as a field shows it: "300", "0.002", "qkv_proj, o_proj".
  static QString valueText(const QJsonValue& value);

  // The experiment file's JSON: the loaded file with the values changed here
  // written into it (a field emptied is left out, so the engine's default
  // applies); whatever the form does not show or has not changed stays as the
  // file had it, so nothing is lost.
  QJsonObject toJson() const;
  // Replaces the draft with `experiment` as it is: values out of range, groups
  // of the wrong shape, unknown fields, tasks and strategies are kept, shown
  // where the form can and flagged (problems()), never dropped.
  void fromJson(const QJsonObject& experiment);
  // False (with *error) only for a file that cannot be read or is no JSON object.
  bool load(const QString& path, QString* error = nullptr);
  // Writes the draft, valid or not, so it is never lost: the text of the file it
  // was loaded from with only the changed values' text replaced, so the keys'
  // order, the spacing and the numbers' spelling of the rest stay (json_patch.h).
  bool save(const QString& path, QString* error = nullptr);
  // Writes toJson() to `path` without making it the draft's file, its relative
  // paths (base_model, a task's jsonl and test_jsonl) made absolute against the
  // draft's file: a copy that runs from anywhere.
  bool saveCopy(const QString& path, QString* error = nullptr) const;
  QString path() const { return path_; }  // the file last loaded or saved
  // Whether the draft differs from the file as last loaded or saved.
  bool isModified() const;

  // What the engine says of the file as it is on disk, asked after each load
  // and save (`switchyard-engine estimate FILE`, which reads the whole file as
  // `run` does): its `error:` line, or "" when it takes the file or cannot be
  // asked. fileChecked() says when the answer came.
  QString fileError() const { return file_error_; }

 Q_SIGNALS:
  void changed();
  void validityChanged(bool valid);
  // fromJson() replaced everything, or the schema arrived: a form shows the
  // draft anew.
  void reset();
  // Entries were added or removed: a form lays the strategies out anew.
  void entriesChanged();
  void schemaKnown();
  void schemaFailed(const QString& message);
  // The engine's memory estimate of the valid draft, or why there is none.
  void estimated(const QString& text, bool fits);
  void estimateFailed(const QString& message);
  void fileChecked(const QString& error);

 private:
  struct Entry {
    QString name;
    bool ticked = false;
    int file_index = -1;  // its place in the file's "strategies"; -1: added here
    QJsonObject entry;    // as the file has it: keys the schema does not know live on
    QHash<QString, QString> values;
    QHash<QString, QString> loaded;  // values as the file gave them
  };

  void askSchema();
  void applySchema(const DraftSchema& schema);
  // `saved`: the file is the draft just saved; the form is laid out anew only
  // if the strategy entries' layout changed (an unticked extra entry dropped).
  void applyFile(bool changed_by_user, bool saved = false);
  void edited();
  void revalidate();
  void checkFile();
  QString check(const DraftField& field, const QString& text) const;
  QJsonValue strategiesJson() const;
  QJsonValue entryJson(const Entry& entry) const;
  int firstEntry(const QString& strategy) const;

  bool schema_known_ = false;
  QString schema_error_;
  QList<DraftField> fields_;
  QList<DraftStrategy> strategies_;
  QStringList builtin_tasks_;
  QStringList keys_;  // DraftSchema::keys
  QHash<QString, QString> values_;
  QHash<QString, QString> loaded_values_;  // values_ as the file gave them
  QJsonArray tasks_;
  QList<Entry> entries_;
  // The file's strategies the schema does not have (or of no known shape),
  // by their place in the file: flagged, and written back where they were.
  QList<QPair<int, QJsonValue>> foreign_strategies_;
  QJsonObject file_;      // the loaded (or last saved) file, edited by toJson()
  QByteArray file_text_;  // its bytes, patched by save()
  QString path_;
  QString file_error_;
  EngineProcess* file_check_ = nullptr;
  QHash<QString, QString> problems_;
  QStringList problem_lines_;
  bool valid_ = false;
  bool loading_ = false;  // one changed() at the end of a load, not one per field
  MemoryEstimator* estimator_;
};

}  // namespace sy::ui
