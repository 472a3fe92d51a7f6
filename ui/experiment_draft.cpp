// ExperimentDraft: the schema read from the engine, the checks against its
// ranges, the JSON mapping and the asynchronous questions to the engine (its
// schema, the draft's memory estimate).
#include "ui/experiment_draft.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLocale>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>

#include <algorithm>
#include <climits>
#include <cmath>
#include <utility>

#include "ui/engine_process.h"
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
  } else if (field.key == QLatin1String("device")) {
    // The schema calls it a string; its help names the forms the engine takes.
    field.type = Type::Device;
  } else {
    field.type = Type::Text;
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
  if (std::fabs(value) >= 1e15) return QString::number(static_cast<qint64>(value));
  return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

// A JSON value as the text a field shows: whole numbers without exponent or
// ".0", others in the shortest form that reads back to the same double, lists
// comma-separated.
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
  // Booleans or objects where a number belongs: shown as JSON, so the check
  // flags them.
  return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
      .mid(1)
      .chopped(1);
}

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
    case Type::Device:
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

QString strategyLabel(const QJsonObject& entry) {
  const QString name = entry.value(QLatin1String("name")).toString();
  const QString label = entry.value(QLatin1String("label")).toString();
  return label.isEmpty() || label == name ? name : QStringLiteral("%1 (%2)").arg(name, label);
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
  schema_known_ = true;
  // The draft is the same file, seen through the schema: no change of the user's.
  applyFile(false);
  Q_EMIT schemaKnown();
}

// Fills the values and entries from file_ by the schema, then says so once.
void ExperimentDraft::applyFile(bool changed_by_user) {
  loading_ = true;
  values_.clear();
  for (const DraftField& f : std::as_const(fields_))
    values_.insert(f.key, fieldText(valueAt(file_, f.key)));
  entries_.clear();
  const QJsonArray file_strategies = file_.value(QLatin1String("strategies")).toArray();
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
        entry.values.insert(f.key, fieldText(valueAt(entry.entry, f.key)));
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
  Q_EMIT reset();
  if (changed_by_user) Q_EMIT changed();
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
    case Type::Text:
      if (!raw.isEmpty() && text.isEmpty()) return tr("expected a text, got only spaces");
      return {};
    case Type::Device: {
      static const QRegularExpression device(QStringLiteral("^(auto|cpu|cuda|cuda:[0-9]+)$"));
      if (raw.isEmpty() || device.match(raw).hasMatch()) return {};
      return tr("expected auto, cpu, cuda or cuda:N, got \"%1\"").arg(raw);
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
    problems_.insert(key, problem);
    problem_lines_.append(path + QStringLiteral(": ") + problem);
  };
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
  if (!any) {
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
  // A plain name when nothing else is set, as people write it.
  QJsonObject entry = e.entry;
  entry.insert(QStringLiteral("name"), e.name);
  for (const DraftField& f : strategySpec(e.name)->fields)
    setPath(&entry, f.key.split(QLatin1Char('.')), fieldValue(f, e.values.value(f.key)));
  if (entry.size() == 1) return e.name;
  return entry;
}

QJsonArray ExperimentDraft::strategiesJson() const {
  // The file's order first, then the entries added here in the form's order.
  QList<const Entry*> ticked;
  for (const Entry& e : entries_) {
    if (e.ticked) ticked.append(&e);
  }
  std::stable_sort(ticked.begin(), ticked.end(), [](const Entry* a, const Entry* b) {
    const int ia = a->file_index < 0 ? INT_MAX : a->file_index;
    const int ib = b->file_index < 0 ? INT_MAX : b->file_index;
    return ia < ib;
  });
  QJsonArray out;
  for (const Entry* e : ticked) out.append(entryJson(*e));
  return out;
}

QJsonObject ExperimentDraft::toJson() const {
  QJsonObject out = file_;
  for (const DraftField& f : fields_) {
    setPath(&out, f.key.split(QLatin1Char('.')), fieldValue(f, text(f.key)));
  }
  out.insert(QStringLiteral("tasks"), tasks_);
  // Before the schema is known the file's strategies are kept as they are.
  if (schema_known_) out.insert(QStringLiteral("strategies"), strategiesJson());
  return out;
}

bool ExperimentDraft::fromJson(const QJsonObject& experiment, QString* error) {
  auto fail = [error](const QString& message) {
    if (error != nullptr) *error = message;
    return false;
  };
  // Check the shapes first, so a file that cannot be shown leaves the draft as
  // it was.
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
    if (!(value.isString() || value.isObject())) {
      return fail(tr("strategies[%1]: expected a name or an object with a name").arg(i));
    }
    if (schema_known_ && strategySpec(entryName(value)) == nullptr) {
      QStringList names;
      for (const DraftStrategy& s : std::as_const(strategies_)) names.append(s.name);
      return fail(
          tr("strategies[%1]: expected one of %2").arg(i).arg(names.join(QLatin1String(", "))));
    }
  }
  for (const char* key : {"data", "training", "evaluation"}) {
    const QJsonValue value = experiment.value(QLatin1String(key));
    if (!value.isUndefined() && !value.isObject()) {
      return fail(tr("%1: expected an object").arg(QLatin1String(key)));
    }
  }
  const QJsonValue lora = valueAt(experiment, QStringLiteral("training.lora"));
  if (!lora.isUndefined() && !lora.isObject()) return fail(tr("training.lora: expected an object"));

  file_ = experiment;
  tasks_ = task_list;
  applyFile(true);
  return true;
}

bool ExperimentDraft::load(const QString& path, QString* error) {
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

bool ExperimentDraft::save(const QString& path, QString* error) {
  // QSaveFile: a failed write leaves the old file whole rather than
  // half-written.
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
