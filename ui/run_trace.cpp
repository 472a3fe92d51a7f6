// RunTrace from the store and from engine events (docs/events.md). The two paths must agree
// exactly, so a live plot does not jump when the finished run is reloaded from the database:
// scores keep NaN for cells not evaluated, and stage_started trims what begin_stage deletes.
#include "ui/run_trace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

#include <algorithm>
#include <limits>

#include "engine/cl/strategy_traits.h"

namespace sy::ui {
namespace {

// A status as the store names it (storage/records.h): events and stored runs read the same.
QString statusName(store::RunStatus status) {
  return QString::fromLatin1(store::run_status_name(status));
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString qstr(const std::string& s) {
  return QString::fromStdString(s);
}

QString make_key(const QString& experiment, const QString& label, uint64_t seed) {
  return experiment + "/" + label + "/seed" + QString::number(seed);
}

// nlohmann writes a NaN (a diverged loss, an unscored cell) as null: read it back as NaN, the
// way the store reads its NULLs.
double number_or_nan(const QJsonValue& v) {
  return v.isDouble() ? v.toDouble() : kNaN;
}

std::optional<double> optional_number(const QJsonValue& v) {
  if (!v.isDouble()) return std::nullopt;
  return v.toDouble();
}

RunSummary summary_from_json(const QJsonObject& o) {
  RunSummary s;
  s.ap = optional_number(o.value("ap"));
  s.forgetting = optional_number(o.value("forgetting"));
  s.bwt = optional_number(o.value("bwt"));
  s.fwt = optional_number(o.value("fwt"));
  s.router_accuracy = optional_number(o.value("router_accuracy"));
  return s;
}

// A stage or position: -1 for a value outside [0, kMaxTraceTasks], which every user of it
// skips, so a damaged event can neither wrap around int nor size a huge table.
int int_field(const QJsonObject& event, const char* name) {
  const qint64 v = event.value(QLatin1String(name)).toInteger();
  return v >= 0 && v <= kMaxTraceTasks ? static_cast<int>(v) : -1;
}

QStringList string_list(const QJsonValue& v) {
  QStringList out;
  for (const QJsonValue& item : v.toArray()) out << item.toString();
  return out;
}

// Rows are as wide as the task list, as the store's score_matrix is; an extended run's wider
// list widens the rows already there.
void widen_rows(RunTrace& trace, int width) {
  for (auto& row : trace.scores) {
    if (row.size() < width) row.resize(width, kNaN);
  }
}

// What Store::begin_stage deletes for an interrupted attempt at `stage` or later.
void drop_from_stage(RunTrace& trace, int stage) {
  trace.points.erase(std::remove_if(trace.points.begin(), trace.points.end(),
                                    [stage](const TracePoint& p) { return p.stage >= stage; }),
                     trace.points.end());
  const int keep_rows = std::max(stage, 0);
  if (trace.scores.size() > keep_rows) trace.scores.resize(keep_rows);
  for (auto it = trace.confusions.begin(); it != trace.confusions.end();) {
    it = it.key() >= stage ? trace.confusions.erase(it) : std::next(it);
  }
  trace.stages_finished = std::min(trace.stages_finished, stage - 1);
}

bool apply_evaluation(RunTrace& trace, const QJsonObject& event) {
  const int row = int_field(event, "after_stage");
  if (row < 0) return false;
  const QJsonArray cells = event.value("scores").toArray();
  int width = static_cast<int>(std::min<qsizetype>(trace.tasks.size(), kMaxTraceTasks));
  for (const QJsonValue& cell : cells) {
    width = std::max(width, int_field(cell.toObject(), "position") + 1);
  }
  while (trace.scores.size() <= row) trace.scores.append(QVector<double>(width, kNaN));
  widen_rows(trace, width);
  for (const QJsonValue& cell : cells) {
    const QJsonObject c = cell.toObject();
    const int position = int_field(c, "position");
    if (position < 0) continue;
    trace.scores[row][position] = number_or_nan(c.value("value"));
  }
  return true;
}

bool apply_router(RunTrace& trace, const QJsonObject& event) {
  QVector<QVector<int64_t>> counts;
  for (const QJsonValue& row : event.value("counts").toArray()) {
    QVector<int64_t> r;
    for (const QJsonValue& n : row.toArray()) r.append(n.toInteger());
    counts.append(r);
  }
  const int after_stage = int_field(event, "after_stage");
  if (after_stage < 0) return false;
  trace.confusions.insert(after_stage, counts);
  return true;
}

}  // namespace

bool is_quick_config(const std::string& config_json) {
  const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(config_json)).object();
  return o.value(QLatin1String("quick")).toBool();
}

RunTrace trace_from_store(const store::RunData& data,
                          const std::vector<store::TrainPoint>& points) {
  const store::RunRecord& run = data.run;
  RunTrace t;
  t.id = run.id;
  t.experiment = qstr(run.experiment_name);
  t.strategy = qstr(run.strategy);
  // The store documents an empty label as "the strategy's name"; the engine always fills it.
  t.label = run.label.empty() ? t.strategy : qstr(run.label);
  t.seed = run.seed;
  t.quick = is_quick_config(data.config_json);
  t.key = make_key(t.experiment, t.label, t.seed);
  t.status = statusName(run.status);
  t.reason = qstr(run.status_reason);
  for (const auto& task : data.tasks) t.tasks << qstr(task.name);
  // The stages the run planned, as stored; a store from before it kept them: the strategy's rule
  // (multitask trains once on all tasks, docs/events.md).
  const StrategyTraits* traits = find_strategy_traits(run.strategy);
  t.stages = run.stage_count > 0 ? run.stage_count
             : traits != nullptr ? int(traits->planned_stages(size_t(run.task_count)))
                                 : run.task_count;
  t.stages_finished = run.last_finished_stage;

  t.points.reserve(static_cast<int>(points.size()));
  for (const auto& p : points)
    t.points.append({p.stage, p.step, p.loss, p.lr, p.tokens_per_s, p.at_ms.value_or(0)});

  for (const auto& row : store::score_matrix(data)) {
    t.scores.append(QVector<double>(row.begin(), row.end()));
  }
  for (const auto& c : data.confusions) {
    QVector<QVector<int64_t>> counts;
    for (const auto& row : c.counts) counts.append(QVector<int64_t>(row.begin(), row.end()));
    t.confusions.insert(c.after_stage, counts);
  }

  if (!data.run.summary_json.empty()) {
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray::fromStdString(data.run.summary_json));
    if (doc.isObject()) t.summary = summary_from_json(doc.object());
  }
  return t;
}

std::optional<QJsonObject> event_from_line(const QByteArray& line) {
  if (line.trimmed().isEmpty()) return std::nullopt;
  QJsonParseError error{};
  const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
  if (error.error != QJsonParseError::NoError || !doc.isObject()) return std::nullopt;
  return doc.object();
}

bool apply_event(RunTrace& trace, const QJsonObject& event) {
  const QString type = event.value("type").toString();

  if (type == "run_started") {
    // A resumed run continues the picture its earlier attempt left: run_started keeps the
    // measurements, and the stage_started that follows trims what that attempt left unfinished.
    if (event.value("run").isDouble()) trace.id = event.value("run").toInteger();
    trace.experiment = event.value("experiment").toString();
    trace.strategy = event.value("strategy").toString();
    trace.label = event.value("label").toString();
    trace.seed = static_cast<uint64_t>(event.value("seed").toInteger());
    trace.key = event.value("key").toString();
    if (trace.key.isEmpty()) trace.key = make_key(trace.experiment, trace.label, trace.seed);
    trace.tasks = string_list(event.value("tasks"));
    trace.stages = std::max(0, int_field(event, "stages"));
    trace.status = statusName(store::RunStatus::Running);
    trace.reason.clear();
    widen_rows(trace, static_cast<int>(std::min<qsizetype>(trace.tasks.size(), kMaxTraceTasks)));
    return true;
  }
  if (type == "stage_started") {
    const int stage = int_field(event, "stage");
    if (stage < 0) return false;
    drop_from_stage(trace, stage);
    return true;
  }
  if (type == "train_step") {
    TracePoint p;
    p.stage = int_field(event, "stage");
    p.step = event.value("step").toInteger();
    p.loss = number_or_nan(event.value("loss"));
    p.lr = event.value("lr").toDouble();
    p.tokens_per_s = event.value("tokens_per_s").toDouble();
    p.at_ms = event.value("time_ms").toInteger();  // what the recorder stores as the step's time
    trace.points.append(p);
    return true;
  }
  if (type == "progress") {
    trace.progress = event.value("fraction").toDouble();
    trace.eta_s = optional_number(event.value("eta_s"));
    trace.tokens_per_s = event.value("tokens_per_s").toDouble();
    return true;
  }
  if (type == "evaluation") return apply_evaluation(trace, event);
  if (type == "router") return apply_router(trace, event);
  if (type == "stage_finished") {
    trace.stages_finished = int_field(event, "stage");
    return true;
  }
  if (type == "run_finished") {
    trace.status = statusName(store::RunStatus::Finished);
    trace.reason.clear();
    trace.summary = summary_from_json(event.value("summary").toObject());
    return true;
  }
  if (type == "run_cancelled" || type == "run_failed") {
    trace.status = statusName(type == "run_cancelled" ? store::RunStatus::Cancelled
                                                      : store::RunStatus::Failed);
    trace.reason = event.value("reason").toString();
    return true;
  }
  // adapter_saved carries nothing the trace draws; experiment events and unknown types have no
  // run to change.
  return false;
}

}  // namespace sy::ui
