// ExperimentDraft: the schema read from the engine, the checks against its
// ranges and keys, the JSON mapping and the asynchronous questions to the
// engine (its schema, the draft's memory estimate, its verdict on the file).
#include "ui/experiment_draft.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLocale>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <utility>

#include "ui/engine_process.h"
#include "ui/json_patch.h"
#include "ui/memory_estimator.h"

namespace sy::ui {

namespace {

using Type = DraftField::Type;

constexpr double kBig = 9.2233720368547758e18;  // 2^63: integers the engine reads as int64

// The schema's FIELD (docs/engine-cli.md, "schema") as the form's field;
// nullopt for the list types the form lays out itself (tasks, strategies).
std::optional<DraftField> fieldFromSchema(const QJsonObject& f) {
  DraftField field;
  field.key = f.value(QLatin1String("key")).toString();
  const QString type = f.value(QLatin1String("type")).toString();
  if (type == QLatin1String("tasks") || type == QLatin1String("strategies") || field.key.isEmpty())
    return std::nullopt;
  if (type == QLatin1String("integer")) {
    field.type = Type::Integer;
  } else if (type == QLatin1String("number")) {
    field.type = Type::Number;
  } else if (type == QLatin1String("choice")) {
    field.type = Type::Choice;
  } else if (type == QLatin1String("boolean")) {
    field.type = Type::Choice;
    field.choices = {QStringLiteral("true"), QStringLiteral("false")};
  } else if (type == QLatin1String("strings")) {
    field.type = Type::Strings;
  } else if (type == QLatin1String("integers")) {
    field.type = Type::Integers;
  } else {
    field.type = Type::Text;
    field.pattern = f.value(QLatin1String("pattern")).toString();
  }
  field.min = f.value(QLatin1String("min")).toDouble(-kBig);
  field.max = std::min(f.value(QLatin1String("max")).toDouble(kBig), kBig);
  for (const QJsonValue& choice : f.value(QLatin1String("choices")).toArray())
    field.choices.append(choice.toString());
  field.default_value = f.value(QLatin1String("default"));
  field.default_text = f.value(QLatin1String("default_text")).toString();
  field.inherits = f.value(QLatin1String("inherits")).toString();
  field.help = f.value(QLatin1String("help")).toString();
  return field;
}

// Whole numbers only: "300", not "3e2" or "300.0", so what is typed is what the
// engine reads.
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

QString numberText(double value) {
  // Whole numbers in full ("1000000000", not "1e+09"), as the engine's errors write them.
  if (std::fabs(value) >= 1e15 || std::floor(value) == value)
    return QString::number(static_cast<qint64>(value));
  return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

}  // namespace

// Whole numbers without exponent or ".0", others in the shortest form that reads
// back to the same double, without exponent where that stays short ("0.0003",
// not "3e-04"), lists comma-separated.
QString ExperimentDraft::valueText(const QJsonValue& value) {
  if (value.isString()) return value.toString();
  if (value.isDouble()) {
    const double number = value.toDouble();
    if (std::floor(number) == number && std::fabs(number) < 1e15) {
      return QString::number(static_cast<qint64>(number));
    }
    const bool plain = std::fabs(number) >= 1e-6 && std::fabs(number) < 1e15;
    return QString::number(number, plain ? 'f' : 'g', QLocale::FloatingPointShortest);
  }
  if (value.isArray()) {
    QStringList parts;
    for (const QJsonValue& item : value.toArray()) parts.append(valueText(item));
    return parts.join(QLatin1String(", "));
  }
  if (value.isUndefined() || value.isNull()) return {};
  // Booleans or objects where a number belongs: shown as JSON, so the check
  // flags them.
  return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
      .mid(1)
      .chopped(1);
}

namespace {

// What a field writes: a number when the text is one, else the text itself, so
// a saved draft keeps what was typed and the engine names the field if it is
// run anyway.
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

// The JSON a field's text writes; undefined when it writes nothing.
QJsonValue fieldValue(const DraftField& f, const QString& raw) {
  const QString text = raw.trimmed();
  if (text.isEmpty()) return QJsonValue(QJsonValue::Undefined);
  switch (f.type) {
    case Type::Integer:
      return integerValue(text);
    case Type::Number:
      return numberValue(text);
    case Type::Strings:
      return QJsonArray::fromStringList(splitList(text));
    case Type::Integers: {
      QJsonArray items;
      for (const QString& part : splitList(text)) items.append(integerValue(part));
      return items;
    }
    case Type::Choice:
      return raw;
    case Type::Text:
      return text;
  }
  return text;
}

// Sets (or with an undefined value removes) `path` ("training.lora.r") in
// `object`; objects on the way that end up empty are removed, so that the
// engine's defaults apply.
void setPath(QJsonObject* object, const QStringList& path, const QJsonValue& value) {
  const QString& key = path.first();
  if (path.size() == 1) {
    if (value.isUndefined()) {
      object->remove(key);
    } else {
      object->insert(key, value);
    }
    return;
  }
  QJsonObject child = object->value(key).toObject();
  setPath(&child, path.mid(1), value);
  if (child.isEmpty()) {
    object->remove(key);
  } else {
    object->insert(key, child);
  }
}

QJsonValue valueAt(const QJsonObject& object, const QString& key) {
  const QStringList path = key.split(QLatin1Char('.'));
  QJsonValue value = object;
  for (const QString& part : path) value = value.toObject().value(part);
  return value;
}

// A task entry's name: the string itself, or the object's "name" (else its
// "builtin").
QString taskName(const QJsonValue& task) {
  if (task.isString()) return task.toString();
  const QJsonObject object = task.toObject();
  if (object.contains(QLatin1String("name"))) return object.value(QLatin1String("name")).toString();
  return object.value(QLatin1String("builtin")).toString();
}

QString entryName(const QJsonValue& value) {
  return value.isString() ? value.toString()
                          : value.toObject().value(QLatin1String("name")).toString();
}

// A value as an error quotes it: compact JSON, cut short.
QString quoted(const QJsonValue& value) {
  QString text = QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
                     .mid(1)
                     .chopped(1);
  if (text.size() > 40) text = text.left(37) + QStringLiteral("...");
  return text;
}

// The keys that may stand in the object at `prefix` ("" the experiment,
// "training.lora"): the next part of every schema key below it.
QStringList knownKeys(const QStringList& keys, const QString& prefix) {
  QStringList out;
  for (const QString& key : keys) {
    if (!prefix.isEmpty() && !key.startsWith(prefix + QLatin1Char('.'))) continue;
    const QString rest = prefix.isEmpty() ? key : key.mid(prefix.size() + 1);
    const QString next = rest.section(QLatin1Char('.'), 0, 0);
    if (!out.contains(next)) out.append(next);
  }
  out.sort();
  return out;
}

// A copy's paths: relative ones resolved against the experiment's folder.
QString absolutePath(const QDir& folder, const QString& path) {
  return path.isEmpty() || QDir::isAbsolutePath(path) ? path : folder.absoluteFilePath(path);
}

struct ShapeProblem {
  QString key;  // the problem() key: "tasks", "strategies", a group ("data") or the unknown key
  QString path;
  QString problem;
};

// The objects of `json` checked against the schema's keys: a key the schema
// does not have, a group that is no object.
void checkKeys(const QJsonObject& object, const QString& prefix, const QStringList& keys,
               QList<ShapeProblem>* out) {
  const QStringList known = knownKeys(keys, prefix);
  for (auto it = object.begin(); it != object.end(); ++it) {
    const QString path = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
    if (keys.contains(path)) continue;  // a field: its value is the field's check
    if (!known.contains(it.key())) {
      out->append({path, path,
                   ExperimentDraft::tr("not a known field; check its spelling (known fields: %1)")
                       .arg(known.join(QLatin1String(", ")))});
    } else if (!it.value().isObject()) {
      out->append(
          {path, path, ExperimentDraft::tr("expected an object, got %1").arg(quoted(it.value()))});
    } else {
      checkKeys(it.value().toObject(), path, keys, out);
    }
  }
}

QList<ShapeProblem> shapeProblems(const QJsonObject& json, const QStringList& keys,
                                  const QList<DraftStrategy>& strategies,
                                  const QStringList& builtin_tasks) {
  QList<ShapeProblem> out;
  QList<ShapeProblem> unknown;
  checkKeys(json, QString(), keys, &unknown);
  // Unknown top-level fields first, as the engine names them.
  std::stable_partition(unknown.begin(), unknown.end(), [](const ShapeProblem& p) {
    return !p.key.contains(QLatin1Char('.')) && !p.problem.startsWith(QLatin1String("expected"));
  });
  out += unknown;
  const QString tasks_key = QStringLiteral("tasks");
  const QJsonValue tasks = json.value(tasks_key);
  if (!tasks.isUndefined() && !tasks.isArray()) {
    out.append({tasks_key, tasks_key,
                ExperimentDraft::tr("expected a list of tasks, got %1").arg(quoted(tasks))});
  }
  const QJsonArray task_list = tasks.toArray();
  for (qsizetype i = 0; i < task_list.size(); ++i) {
    const QJsonValue task = task_list[i];
    const QString where = QStringLiteral("tasks[%1]").arg(i);
    if (!(task.isString() || task.isObject()) || taskName(task).isEmpty()) {
      out.append({tasks_key, where,
                  ExperimentDraft::tr("expected a task name or an object with a name, got %1")
                      .arg(quoted(task))});
      continue;
    }
    const QString builtin = task.isString()
                                ? task.toString()
                                : task.toObject().value(QLatin1String("builtin")).toString();
    if (!builtin.isEmpty() && !builtin_tasks.isEmpty() && !builtin_tasks.contains(builtin)) {
      out.append({tasks_key, where,
                  ExperimentDraft::tr("\"%1\" is not a built-in task; expected one of %2")
                      .arg(builtin, builtin_tasks.join(QLatin1String(", ")))});
    }
  }
  const QString strategies_key = QStringLiteral("strategies");
  const QJsonValue list = json.value(strategies_key);
  if (!list.isUndefined() && !list.isArray()) {
    out.append({strategies_key, strategies_key,
                ExperimentDraft::tr("expected a list of strategies, got %1").arg(quoted(list))});
  }
  QStringList names;
  for (const DraftStrategy& s : strategies) names.append(s.name);
  const QJsonArray entries = list.toArray();
  for (qsizetype i = 0; i < entries.size(); ++i) {
    const QJsonValue value = entries[i];
    const QString where = QStringLiteral("strategies[%1]").arg(i);
    if (!(value.isString() || value.isObject())) {
      out.append({strategies_key, where,
                  ExperimentDraft::tr("expected a name or an object with a name, got %1")
                      .arg(quoted(value))});
    } else if (!names.contains(entryName(value))) {
      out.append({strategies_key, where,
                  ExperimentDraft::tr("\"%1\" is not a strategy; expected one of %2")
                      .arg(entryName(value), names.join(QLatin1String(", ")))});
    }
  }
  return out;
}

}  // namespace

std::optional<DraftSchema> DraftSchema::fromJson(const QJsonObject& schema, QString* error) {
  if (schema.value(QLatin1String("version")).toInt() != 1 ||
      !schema.value(QLatin1String("fields")).isArray() ||
      !schema.value(QLatin1String("strategies")).isArray()) {
    if (error != nullptr) *error = QStringLiteral("the engine's schema is not one of version 1");
    return std::nullopt;
  }
  DraftSchema out;
  for (const QJsonValue& f : schema.value(QLatin1String("fields")).toArray()) {
    out.keys.append(f.toObject().value(QLatin1String("key")).toString());
    if (std::optional<DraftField> field = fieldFromSchema(f.toObject())) out.fields.append(*field);
  }
  for (const QJsonValue& value : schema.value(QLatin1String("strategies")).toArray()) {
    const QJsonObject s = value.toObject();
    DraftStrategy strategy;
    strategy.name = s.value(QLatin1String("name")).toString();
    strategy.help = s.value(QLatin1String("help")).toString();
    for (const QJsonValue& f : s.value(QLatin1String("fields")).toArray()) {
      if (std::optional<DraftField> field = fieldFromSchema(f.toObject()))
        strategy.fields.append(*field);
    }
    out.strategies.append(strategy);
  }
  for (const QJsonValue& task : schema.value(QLatin1String("tasks")).toArray())
    out.tasks.append(task.toObject().value(QLatin1String("name")).toString());
  return out;
}

ExperimentDraft::ExperimentDraft(QObject* parent)
    : QObject(parent), estimator_(new MemoryEstimator(this)) {
  connect(estimator_, &MemoryEstimator::estimated, this, &ExperimentDraft::estimated);
  connect(estimator_, &MemoryEstimator::failed, this, &ExperimentDraft::estimateFailed);
  askSchema();
  revalidate();
}

void ExperimentDraft::askSchema() {
  // Asked of the engine without waiting: the form says so until the answer
  // comes.
  auto* engine = new EngineProcess({QStringLiteral("schema"), QStringLiteral("--json")}, this);
  engine->setCollectOutput();
  connect(engine, &EngineProcess::finished, this, [this, engine](int code, const QString& message) {
    engine->deleteLater();
    QString error = message;
    if (code == 0) {
      QJsonParseError parse{};
      const QJsonDocument doc = QJsonDocument::fromJson(engine->output(), &parse);
      if (parse.error == QJsonParseError::NoError && doc.isObject()) {
        if (std::optional<DraftSchema> schema = DraftSchema::fromJson(doc.object(), &error))
          return applySchema(*schema);
      } else {
        error = QStringLiteral("the engine's schema is not JSON: ") + parse.errorString();
      }
    }
    schema_error_ =
        QStringLiteral("%1 (%2 schema --json)")
            .arg(error.isEmpty() ? QStringLiteral("no answer") : error, engine->program());
    Q_EMIT schemaFailed(schema_error_);
  });
  engine->start();
}

void ExperimentDraft::applySchema(const DraftSchema& schema) {
  fields_ = schema.fields;
  strategies_ = schema.strategies;
  builtin_tasks_ = schema.tasks;
  keys_ = schema.keys;
  schema_known_ = true;
  // The draft is the same file, seen through the schema: no change of the user's.
  applyFile(false);
  Q_EMIT schemaKnown();
}

// Fills the values and entries from file_ by the schema, then says so once.
void ExperimentDraft::applyFile(bool changed_by_user, bool saved) {
  // The entries' layout before: a save that keeps it keeps the form's widgets.
  QStringList layout_before;
  for (const Entry& e : std::as_const(entries_))
    layout_before << e.name + (e.ticked ? QLatin1Char('+') : QLatin1Char('-'));
  loading_ = true;
  values_.clear();
  for (const DraftField& f : std::as_const(fields_))
    values_.insert(f.key, valueText(valueAt(file_, f.key)));
  loaded_values_ = values_;
  entries_.clear();
  foreign_strategies_.clear();
  const QJsonArray file_strategies = file_.value(QLatin1String("strategies")).toArray();
  for (qsizetype i = 0; i < file_strategies.size() && schema_known_; ++i) {
    const QJsonValue value = file_strategies[i];
    if (!(value.isString() || value.isObject()) || strategySpec(entryName(value)) == nullptr)
      foreign_strategies_.append({int(i), value});
  }
  for (const DraftStrategy& spec : std::as_const(strategies_)) {
    bool any = false;
    for (qsizetype i = 0; i < file_strategies.size(); ++i) {
      if (entryName(file_strategies[i]) != spec.name) continue;
      Entry entry;
      entry.name = spec.name;
      entry.ticked = true;
      entry.file_index = int(i);
      entry.entry = file_strategies[i].isObject()
                        ? file_strategies[i].toObject()
                        : QJsonObject{{QStringLiteral("name"), spec.name}};
      for (const DraftField& f : spec.fields)
        entry.values.insert(f.key, valueText(valueAt(entry.entry, f.key)));
      entry.loaded = entry.values;
      entries_.append(entry);
      any = true;
    }
    if (!any) {
      Entry entry;
      entry.name = spec.name;
      entry.entry = {{QStringLiteral("name"), spec.name}};
      entries_.append(entry);
    }
  }
  loading_ = false;
  revalidate();
  QStringList layout_after;
  for (const Entry& e : std::as_const(entries_))
    layout_after << e.name + (e.ticked ? QLatin1Char('+') : QLatin1Char('-'));
  if (!saved || layout_after != layout_before) Q_EMIT reset();
  if (changed_by_user || saved) Q_EMIT changed();
  if (isValid() && schema_known_) estimator_->request(toJson(), path_);
}

void ExperimentDraft::setText(const QString& key, const QString& text) {
  if (values_.value(key) == text) return;
  values_.insert(key, text);
  edited();
}

void ExperimentDraft::setTasks(const QJsonArray& tasks) {
  if (tasks_ == tasks) return;
  tasks_ = tasks;
  edited();
}

int ExperimentDraft::firstEntry(const QString& strategy) const {
  for (int i = 0; i < entries_.size(); ++i) {
    if (entries_[i].name == strategy) return i;
  }
  return -1;
}

bool ExperimentDraft::isFirstEntry(int entry) const {
  return entry >= 0 && entry < entries_.size() && firstEntry(entries_[entry].name) == entry;
}

QString ExperimentDraft::entryTitle(int entry) const {
  const Entry e = entries_.value(entry);
  const QString label = e.values.value(QStringLiteral("label")).trimmed();
  return label.isEmpty() || label == e.name ? e.name : QStringLiteral("%1 (%2)").arg(e.name, label);
}

void ExperimentDraft::setEntryTicked(int entry, bool on) {
  if (entry < 0 || entry >= entries_.size() || entries_[entry].ticked == on) return;
  entries_[entry].ticked = on;
  edited();
}

QString ExperimentDraft::entryText(int entry, const QString& key) const {
  return entries_.value(entry).values.value(key);
}

void ExperimentDraft::setEntryText(int entry, const QString& key, const QString& text) {
  if (entry < 0 || entry >= entries_.size() || entries_[entry].values.value(key) == text) return;
  entries_[entry].values.insert(key, text);
  edited();
}

int ExperimentDraft::addEntry(const QString& strategy) {
  if (strategySpec(strategy) == nullptr) return -1;
  int at = 0;
  for (int i = 0; i < entries_.size(); ++i) {
    if (entries_[i].name == strategy) at = i + 1;
  }
  Entry entry;
  entry.name = strategy;
  entry.ticked = true;
  entry.entry = {{QStringLiteral("name"), strategy}};
  entries_.insert(at, entry);
  Q_EMIT entriesChanged();
  edited();
  return at;
}

void ExperimentDraft::removeEntry(int entry) {
  if (entry < 0 || entry >= entries_.size() || isFirstEntry(entry)) return;
  entries_.removeAt(entry);
  Q_EMIT entriesChanged();
  edited();
}

QString ExperimentDraft::entryKey(int entry, const QString& key) {
  return QStringLiteral("strategies/%1/%2").arg(entry).arg(key);
}

bool ExperimentDraft::isTicked(const QString& strategy) const {
  return isEntryTicked(firstEntry(strategy));
}

void ExperimentDraft::setTicked(const QString& strategy, bool on) {
  setEntryTicked(firstEntry(strategy), on);
}

QString ExperimentDraft::strategyText(const QString& strategy, const QString& key) const {
  return entryText(firstEntry(strategy), key);
}

void ExperimentDraft::setStrategyText(const QString& strategy, const QString& key,
                                      const QString& text) {
  setEntryText(firstEntry(strategy), key, text);
}

const DraftStrategy* ExperimentDraft::strategySpec(const QString& name) const {
  for (const DraftStrategy& s : strategies_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void ExperimentDraft::edited() {
  if (loading_) return;
  revalidate();
  Q_EMIT changed();
  if (isValid() && schema_known_) estimator_->request(toJson(), path_);
}

QString ExperimentDraft::check(const DraftField& f, const QString& raw) const {
  const QString text = raw.trimmed();
  switch (f.type) {
    case Type::Text: {
      if (!raw.isEmpty() && text.isEmpty()) return tr("expected a text, got only spaces");
      if (raw.isEmpty() || f.pattern.isEmpty()) return {};
      // The engine's own spelling rule (the schema's "pattern"); its help says it in words.
      const QRegularExpression pattern(QRegularExpression::anchoredPattern(f.pattern));
      if (pattern.match(raw).hasMatch()) return {};
      return tr("expected %1, got \"%2\"").arg(f.help, raw);
    }
    case Type::Choice:
      if (raw.isEmpty() || f.choices.contains(raw)) return {};
      return tr("expected one of %1, got \"%2\"").arg(f.choices.join(QLatin1String(", ")), raw);
    case Type::Integer: {
      if (text.isEmpty()) return {};
      qint64 value = 0;
      if (parseInteger(text, &value) && double(value) >= f.min && double(value) <= f.max) return {};
      const QString range =
          f.max >= kBig
              ? tr("a whole number of at least %1").arg(numberText(f.min))
              : tr("a whole number from %1 to %2").arg(numberText(f.min), numberText(f.max));
      return tr("expected %1, got \"%2\"").arg(range, text);
    }
    case Type::Number: {
      if (text.isEmpty()) return {};
      double value = 0;
      if (parseNumber(text, &value) && value >= f.min && value <= f.max) return {};
      return tr("expected a number from %1 to %2, got \"%3\"")
          .arg(numberText(f.min), numberText(f.max), text);
    }
    case Type::Strings:
      if (text.isEmpty() || !splitList(text).contains(QString())) return {};
      return tr("expected comma-separated names, got \"%1\"").arg(text);
    case Type::Integers:
      if (text.isEmpty()) return {};
      for (const QString& part : splitList(text)) {
        qint64 value = 0;
        if (!parseInteger(part, &value) || double(value) < f.min) {
          return tr("expected comma-separated whole numbers of at least %1, got "
                    "\"%2\"")
              .arg(numberText(f.min), text);
        }
      }
      return {};
  }
  return {};
}

void ExperimentDraft::revalidate() {
  problems_.clear();
  problem_lines_.clear();
  auto note = [this](const QString& key, const QString& path, const QString& problem) {
    if (problem.isEmpty()) return;
    if (!problems_.contains(key)) problems_.insert(key, problem);
    problem_lines_.append(path + QStringLiteral(": ") + problem);
  };
  // What the file holds that the form cannot show as a field: the engine would
  // refuse it, so it is named first (an unknown top-level field before anything,
  // as the engine does).
  if (schema_known_) {
    for (const ShapeProblem& p : shapeProblems(toJson(), keys_, strategies_, builtin_tasks_))
      note(p.key, p.path, p.problem);
  }
  for (const DraftField& f : std::as_const(fields_)) note(f.key, f.key, check(f, text(f.key)));
  // A strategy's settings are only checked while it is ticked: only then are
  // they written.
  QSet<QString> titles;
  QString twice;
  bool any = !schema_known_ && !file_.value(QLatin1String("strategies")).toArray().isEmpty();
  for (int i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (!e.ticked) continue;
    any = true;
    const QString title = entryTitle(i);
    if (titles.contains(title) && twice.isEmpty()) twice = title;
    titles.insert(title);
    for (const DraftField& f : strategySpec(e.name)->fields)
      note(entryKey(i, f.key), title + QLatin1Char(' ') + f.key, check(f, e.values.value(f.key)));
  }
  QString tasks_problem;
  if (tasks_.isEmpty()) tasks_problem = tr("expected at least one task");
  QSet<QString> seen;
  for (const QJsonValue& task : std::as_const(tasks_)) {
    const QString name = taskName(task);
    if (seen.contains(name) && tasks_problem.isEmpty()) {
      tasks_problem = tr("\"%1\" appears twice; every task of a sequence needs "
                         "its own name")
                          .arg(name);
    }
    seen.insert(name);
  }
  note(QStringLiteral("tasks"), QStringLiteral("tasks"), tasks_problem);
  QString strategies_problem;
  if (!any && foreign_strategies_.isEmpty()) {
    strategies_problem = tr("expected at least one strategy ticked");
  } else if (!twice.isEmpty()) {
    strategies_problem = tr("two entries are called \"%1\"; give each its own label").arg(twice);
  }
  note(QStringLiteral("strategies"), QStringLiteral("strategies"), strategies_problem);
  if (isValid() != valid_) {
    valid_ = isValid();
    Q_EMIT validityChanged(valid_);
  }
}

QJsonValue ExperimentDraft::entryJson(const Entry& e) const {
  // An entry of the file that the form has not changed is written as the file
  // had it.
  const QJsonArray file_strategies = file_.value(QLatin1String("strategies")).toArray();
  if (e.file_index >= 0 && e.values == e.loaded) return file_strategies.at(e.file_index);
  // Otherwise only its changed settings are written into it; a plain name
  // when nothing else is set, as people write it.
  QJsonObject entry = e.entry;
  entry.insert(QStringLiteral("name"), e.name);
  for (const DraftField& f : strategySpec(e.name)->fields) {
    const QString value = e.values.value(f.key);
    if (e.file_index >= 0 && value == e.loaded.value(f.key)) continue;
    setPath(&entry, f.key.split(QLatin1Char('.')), fieldValue(f, value));
  }
  if (entry.size() == 1) return e.name;
  return entry;
}

QJsonValue ExperimentDraft::strategiesJson() const {
  const QJsonValue file_strategies = file_.value(QLatin1String("strategies"));
  bool any = false;
  for (const Entry& e : entries_) any |= e.ticked;
  // A file whose strategies are no list keeps them until one is ticked here.
  if (!file_strategies.isUndefined() && !file_strategies.isArray() && !any) return file_strategies;
  // The file's order first (with the entries the schema does not have where
  // they were), then the entries added here in the form's order.
  QList<QPair<int, QJsonValue>> placed = foreign_strategies_;
  QJsonArray added;
  for (const Entry& e : entries_) {
    if (!e.ticked) continue;
    if (e.file_index >= 0) {
      placed.append({e.file_index, entryJson(e)});
    } else {
      added.append(entryJson(e));
    }
  }
  std::stable_sort(placed.begin(), placed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  QJsonArray list;
  for (const auto& item : std::as_const(placed)) list.append(item.second);
  for (const QJsonValue& item : std::as_const(added)) list.append(item);
  if (list.isEmpty() && file_strategies.isUndefined()) return QJsonValue(QJsonValue::Undefined);
  return list;
}

QJsonObject ExperimentDraft::toJson() const {
  // The file, with what was changed here written into it.
  QJsonObject out = file_;
  for (const DraftField& f : fields_) {
    if (text(f.key) == loaded_values_.value(f.key)) continue;
    setPath(&out, f.key.split(QLatin1Char('.')), fieldValue(f, text(f.key)));
  }
  const QJsonValue file_tasks = file_.value(QLatin1String("tasks"));
  if (file_tasks.isArray() ? file_tasks.toArray() != tasks_ : !tasks_.isEmpty())
    out.insert(QStringLiteral("tasks"), tasks_);
  // Before the schema is known the file's strategies are kept as they are.
  if (schema_known_) {
    const QJsonValue strategies = strategiesJson();
    if (strategies.isUndefined()) {
      out.remove(QStringLiteral("strategies"));
    } else {
      out.insert(QStringLiteral("strategies"), strategies);
    }
  }
  return out;
}

void ExperimentDraft::fromJson(const QJsonObject& experiment) {
  file_ = experiment;
  const QJsonValue tasks = experiment.value(QLatin1String("tasks"));
  tasks_ = tasks.toArray();  // one of another shape stays in file_, and is flagged
  applyFile(true);
}

bool ExperimentDraft::isModified() const {
  return toJson() != file_;
}

bool ExperimentDraft::load(const QString& path, QString* error) {
  auto fail = [error, &path](const QString& message) {
    if (error != nullptr) *error = path + QStringLiteral(": ") + message;
    return false;
  };
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return fail(file.errorString());
  const QByteArray text = file.readAll();
  QJsonParseError parse_error;
  const QJsonDocument document = QJsonDocument::fromJson(text, &parse_error);
  if (parse_error.error != QJsonParseError::NoError) {
    return fail(tr("%1 at byte %2").arg(parse_error.errorString()).arg(parse_error.offset));
  }
  if (!document.isObject()) return fail(tr("expected a JSON object"));
  path_ = path;  // the draft's relative paths resolve against it
  file_text_ = text;
  fromJson(document.object());
  checkFile();
  return true;
}

bool ExperimentDraft::save(const QString& path, QString* error) {
  const QJsonObject json = toJson();
  // The text of the file the draft came from, with the changed values replaced
  // (Save As too: the copy keeps the user's layout); a draft without a file, or
  // one whose text cannot be patched, is written anew.
  std::optional<QByteArray> text;
  if (!file_text_.isEmpty()) text = patch_json(file_text_, json);
  if (!text) text = QJsonDocument(json).toJson(QJsonDocument::Indented);
  // QSaveFile: a failed write leaves the old file whole rather than
  // half-written.
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(*text) < 0 || !file.commit()) {
    if (error != nullptr) *error = path + QStringLiteral(": ") + file.errorString();
    return false;
  }
  path_ = path;
  file_text_ = *text;
  // The saved file is the draft's file now: nothing is unsaved.
  file_ = json;
  tasks_ = json.value(QLatin1String("tasks")).toArray();
  applyFile(false, true);
  checkFile();
  return true;
}

bool ExperimentDraft::saveCopy(const QString& path, QString* error) const {
  QJsonObject json = toJson();
  const QDir folder =
      QFileInfo(path_.isEmpty() ? QDir::current().filePath(QStringLiteral("x")) : path_)
          .absoluteDir();
  const QString model = json.value(QLatin1String("base_model")).toString();
  if (!model.isEmpty() && model != QLatin1String("builtin"))
    json.insert(QStringLiteral("base_model"), absolutePath(folder, model));
  QJsonArray tasks = json.value(QLatin1String("tasks")).toArray();
  for (qsizetype i = 0; i < tasks.size(); ++i) {
    if (!tasks[i].isObject()) continue;
    QJsonObject task = tasks[i].toObject();
    for (const char* key : {"jsonl", "test_jsonl"}) {
      if (task.value(QLatin1String(key)).isString())
        task.insert(QLatin1String(key),
                    absolutePath(folder, task.value(QLatin1String(key)).toString()));
    }
    tasks[i] = task;
  }
  if (json.value(QLatin1String("tasks")).isArray()) json.insert(QStringLiteral("tasks"), tasks);
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(QJsonDocument(json).toJson(QJsonDocument::Indented)) < 0 || !file.commit()) {
    if (error != nullptr) *error = path + QStringLiteral(": ") + file.errorString();
    return false;
  }
  return true;
}

void ExperimentDraft::checkFile() {
  // `estimate` reads and checks the whole file as `run` does before it trains:
  // its error line is what Run would answer. A newer check replaces an older.
  if (file_check_ != nullptr) std::exchange(file_check_, nullptr)->deleteLater();
  file_error_.clear();
  auto* engine = new EngineProcess(
      {QStringLiteral("estimate"), QFileInfo(path_).absoluteFilePath(), QStringLiteral("--json")},
      this);
  file_check_ = engine;
  engine->setCollectOutput();
  connect(engine, &EngineProcess::finished, this, [this, engine](int code, const QString&) {
    engine->deleteLater();
    if (file_check_ != engine) return;
    file_check_ = nullptr;
    // Only the engine's own refusal counts; an engine that cannot be run says
    // nothing of the file (the form says that it cannot be run).
    file_error_.clear();
    if (code == 1) {
      for (const QString& line : engine->stderrTail()) {
        if (line.startsWith(QLatin1String("error: "))) file_error_ = line;
      }
    }
    Q_EMIT fileChecked(file_error_);
  });
  engine->start();
}

}  // namespace sy::ui
