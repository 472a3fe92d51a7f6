// ExperimentDraft: the field table, the checks (the ranges the engine's loader enforces,
// engine/run/experiment.cpp), the JSON mapping and the asynchronous questions to the engine (its
// task list, the draft's memory estimate).
#include "ui/experiment_draft.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLocale>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>

#include <cmath>
#include <limits>
#include <utility>

#include "ui/engine_process.h"
#include "ui/memory_estimator.h"

namespace sy::ui {

namespace {

using Type = DraftField::Type;

constexpr double kBig = 9.2233720368547758e18;  // INT64_MAX as the table's double

DraftField field(QString key, Type type, double min = 0, double max = 0, bool above_min = false) {
  DraftField f;
  f.key = std::move(key);
  f.type = type;
  f.min = min;
  f.max = max;
  f.above_min = above_min;
  return f;
}

DraftField choice(QString key, QStringList choices) {
  DraftField f = field(std::move(key), Type::Choice);
  f.choices = std::move(choices);
  return f;
}

// The fields the form shows, mirroring engine/run/experiment.cpp's ranges.
QList<DraftField> formFields() {
  return {field(QStringLiteral("name"), Type::Text),
          field(QStringLiteral("base_model"), Type::Text),
          choice(QStringLiteral("weights_dtype"), {QStringLiteral("auto"), QStringLiteral("fp32"),
                                                   QStringLiteral("bf16"), QStringLiteral("fp16")}),
          field(QStringLiteral("device"), Type::Device),
          field(QStringLiteral("data.train_examples"), Type::Integer, 1, 10'000'000),
          field(QStringLiteral("data.test_examples"), Type::Integer, 1, 1'000'000),
          field(QStringLiteral("seeds"), Type::Integers, 0),
          field(QStringLiteral("training.steps"), Type::Integer, 1, kBig),
          field(QStringLiteral("training.batch_size"), Type::Integer, 1, 4096),
          field(QStringLiteral("training.lr"), Type::Number, 0, 1, true),
          field(QStringLiteral("training.full_lr"), Type::Number, 0, 1, true),
          choice(QStringLiteral("training.precision"),
                 {QStringLiteral("fp32"), QStringLiteral("bf16"), QStringLiteral("fp16"),
                  QStringLiteral("auto")}),
          field(QStringLiteral("training.lora.r"), Type::Integer, 1, 4096),
          field(QStringLiteral("training.lora.alpha"), Type::Number, 0, 1e6, true),
          field(QStringLiteral("training.lora.dropout"), Type::Number, 0, 0.99),
          field(QStringLiteral("training.lora.target_modules"), Type::Strings),
          field(QStringLiteral("evaluation.max_new_tokens"), Type::Integer, 1, 4096)};
}

QList<DraftStrategy> formStrategies() {
  return {{QStringLiteral("seq-ft"), {}},
          {QStringLiteral("seq-lora"), {}},
          {QStringLiteral("replay"), {field(QStringLiteral("fraction"), Type::Number, 0, 1)}},
          {QStringLiteral("multitask"), {}},
          {QStringLiteral("oracle"), {}},
          {QStringLiteral("switchcit"),
           {field(QStringLiteral("retention"), Type::Number, 0, 1),
            choice(QStringLiteral("pooling"), {QStringLiteral("split-mean"), QStringLiteral("mean"),
                                               QStringLiteral("last-token")})}}};
}

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

QString numberText(double value) {
  if (std::fabs(value) >= 1e15) return QString::number(static_cast<qint64>(value));
  return QString::number(value, 'g', QLocale::FloatingPointShortest);
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

// Sets (or with an undefined value removes) `path` ("training.lora.r") in `object`; objects on
// the way that end up empty are removed, so that the engine's defaults apply.
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

// A task entry's name: the string itself, or the object's "name" (else its "builtin").
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

ExperimentDraft::ExperimentDraft(QObject* parent)
    : QObject(parent),
      fields_(formFields()),
      strategies_(formStrategies()),
      estimator_(new MemoryEstimator(this)) {
  for (const DraftStrategy& s : std::as_const(strategies_)) strategy_state_.insert(s.name, {});
  connect(estimator_, &MemoryEstimator::estimated, this, &ExperimentDraft::estimated);
  connect(estimator_, &MemoryEstimator::failed, this, &ExperimentDraft::estimateFailed);
  loadBuiltinTasks();
  revalidate();
}

QStringList ExperimentDraft::strategyNames() const {
  QStringList names;
  for (const DraftStrategy& s : strategies_) names.append(s.name);
  return names;
}

void ExperimentDraft::loadBuiltinTasks() {
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
    builtin_tasks_ = names;
    builtin_tasks_known_ = true;
    Q_EMIT builtinTasksKnown();
  });
  engine->start();
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

bool ExperimentDraft::isTicked(const QString& strategy) const {
  return strategy_state_.value(strategy).ticked;
}

void ExperimentDraft::setTicked(const QString& strategy, bool on) {
  auto it = strategy_state_.find(strategy);
  if (it == strategy_state_.end() || it->ticked == on) return;
  it->ticked = on;
  edited();
}

QString ExperimentDraft::strategyText(const QString& strategy, const QString& key) const {
  return strategy_state_.value(strategy).values.value(key);
}

void ExperimentDraft::setStrategyText(const QString& strategy, const QString& key,
                                      const QString& text) {
  auto it = strategy_state_.find(strategy);
  if (it == strategy_state_.end() || it->values.value(key) == text) return;
  it->values.insert(key, text);
  edited();
}

void ExperimentDraft::edited() {
  if (loading_) return;
  revalidate();
  Q_EMIT changed();
  if (isValid()) estimator_->request(toJson(), path_);
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
      if (parseNumber(text, &value) && value >= f.min && value <= f.max &&
          !(f.above_min && value == f.min))
        return {};
      const QString range =
          f.above_min ? tr("a number above %1 and at most %2") : tr("a number from %1 to %2");
      return tr("expected %1, got \"%2\"")
          .arg(range.arg(numberText(f.min), numberText(f.max)), text);
    }
    case Type::Strings:
      if (text.isEmpty() || !splitList(text).contains(QString())) return {};
      return tr("expected comma-separated names, got \"%1\"").arg(text);
    case Type::Integers:
      if (text.isEmpty()) return {};
      for (const QString& part : splitList(text)) {
        qint64 value = 0;
        if (!parseInteger(part, &value) || double(value) < f.min) {
          return tr("expected comma-separated whole numbers of at least %1, got \"%2\"")
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
  // A strategy's settings are only checked while it is ticked: only then are they written.
  for (const DraftStrategy& s : std::as_const(strategies_)) {
    if (!isTicked(s.name)) continue;
    for (const DraftField& f : s.fields) {
      note(s.name + QLatin1Char('.') + f.key, s.name + QLatin1Char(' ') + f.key,
           check(f, strategyText(s.name, f.key)));
    }
  }
  QString tasks_problem;
  if (tasks_.isEmpty()) tasks_problem = tr("expected at least one task");
  QSet<QString> seen;
  for (const QJsonValue& task : std::as_const(tasks_)) {
    const QString name = taskName(task);
    if (seen.contains(name) && tasks_problem.isEmpty()) {
      tasks_problem =
          tr("\"%1\" appears twice; every task of a sequence needs its own name").arg(name);
    }
    seen.insert(name);
  }
  note(QStringLiteral("tasks"), QStringLiteral("tasks"), tasks_problem);
  bool any = false;
  for (const DraftStrategy& s : std::as_const(strategies_)) any = any || isTicked(s.name);
  note(QStringLiteral("strategies"), QStringLiteral("strategies"),
       any ? QString() : tr("expected at least one strategy ticked"));
  if (isValid() != valid_) {
    valid_ = isValid();
    Q_EMIT validityChanged(valid_);
  }
}

const DraftStrategy* ExperimentDraft::strategySpec(const QString& name) const {
  for (const DraftStrategy& s : strategies_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

QJsonValue ExperimentDraft::strategyEntry(const DraftStrategy& spec, const Strategy& s) const {
  // The first entry of a ticked strategy carries the form's settings; a plain name when nothing
  // else is set, as people write it.
  QJsonObject entry = s.entry;
  entry.insert(QStringLiteral("name"), spec.name);
  for (const DraftField& f : spec.fields)
    setPath(&entry, {f.key}, fieldValue(f, s.values.value(f.key)));
  if (entry.size() == 1) return spec.name;
  return entry;
}

QJsonArray ExperimentDraft::strategiesJson() const {
  QJsonArray out;
  QSet<QString> written;
  // The file's order first; unticking a strategy drops every entry of it.
  for (const QJsonValue& value : file_strategies_) {
    const QString name = entryName(value);
    const DraftStrategy* spec = strategySpec(name);
    if (spec == nullptr || !isTicked(name)) continue;
    if (written.contains(name)) {
      out.append(value);  // a further entry of the same strategy, kept as the file had it
    } else {
      out.append(strategyEntry(*spec, strategy_state_.value(name)));
      written.insert(name);
    }
  }
  for (const DraftStrategy& spec : strategies_) {
    if (isTicked(spec.name) && !written.contains(spec.name))
      out.append(strategyEntry(spec, strategy_state_.value(spec.name)));
  }
  return out;
}

QJsonObject ExperimentDraft::toJson() const {
  QJsonObject out = file_;
  for (const DraftField& f : fields_) {
    setPath(&out, f.key.split(QLatin1Char('.')), fieldValue(f, text(f.key)));
  }
  out.insert(QStringLiteral("tasks"), tasks_);
  out.insert(QStringLiteral("strategies"), strategiesJson());
  return out;
}

bool ExperimentDraft::fromJson(const QJsonObject& experiment, QString* error) {
  auto fail = [error](const QString& message) {
    if (error != nullptr) *error = message;
    return false;
  };
  // Check the shapes first, so a file that cannot be shown leaves the draft as it was.
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
    if (strategySpec(entryName(strategy_list[i])) == nullptr) {
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
  const QJsonValue lora = valueAt(experiment, QStringLiteral("training.lora"));
  if (!lora.isUndefined() && !lora.isObject()) return fail(tr("training.lora: expected an object"));

  loading_ = true;
  file_ = experiment;
  values_.clear();
  for (const DraftField& f : std::as_const(fields_)) {
    values_.insert(f.key, fieldText(valueAt(experiment, f.key)));
  }
  tasks_ = task_list;
  file_strategies_ = strategy_list;
  extra_strategies_.clear();
  for (auto it = strategy_state_.begin(); it != strategy_state_.end(); ++it) *it = Strategy{};
  for (const QJsonValue& value : strategy_list) {
    const QJsonObject entry = value.isString()
                                  ? QJsonObject{{QStringLiteral("name"), value.toString()}}
                                  : value.toObject();
    const QString name = entryName(value);
    Strategy& s = strategy_state_[name];
    if (s.ticked) {
      extra_strategies_.append(strategyLabel(entry));
      continue;
    }
    s.ticked = true;
    s.entry = entry;
    for (const DraftField& f : strategySpec(name)->fields) {
      s.values.insert(f.key, fieldText(entry.value(f.key)));
    }
  }
  loading_ = false;
  revalidate();
  Q_EMIT reset();
  Q_EMIT changed();
  if (isValid()) estimator_->request(toJson(), path_);
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
