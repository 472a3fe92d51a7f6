// The run list model. AP comes from each run's summary document, which list_runs carries; the
// seed-group key from the run's tasks and stored settings, read once per run.
#include "ui/run_list_model.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <QVariantList>

#include <algorithm>

#include "storage/run_duration.h"
#include "storage/store.h"
#include "ui/run_color.h"
#include "ui/run_trace.h"
#include "ui/seed_group.h"

namespace sy::ui {
namespace {

std::optional<double> ap_of(const std::string& summary_json) {
  const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(summary_json)).object();
  const QJsonValue ap = o.value("ap");
  if (!ap.isDouble()) return std::nullopt;
  return ap.toDouble();
}

}  // namespace

RunListModel::RunListModel(QObject* parent) : QAbstractTableModel(parent) {}

QString RunListModel::apText(double ap) {
  return QString::number(100.0 * ap, 'f', 1);
}

QString RunListModel::timeText(int64_t ms) {
  return QDateTime::fromMSecsSinceEpoch(ms).toString("yyyy-MM-dd hh:mm");
}

QString RunListModel::modeText(bool quick) {
  return quick ? QStringLiteral("quick") : QStringLiteral("full");
}

QString RunListModel::durationText(int64_t ms) {
  const int64_t s = std::max<int64_t>(0, (ms + 500) / 1000);
  if (s < 60) return QStringLiteral("%1s").arg(s);
  if (s < 3600) return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
  return QStringLiteral("%1h %2m").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0'));
}

int RunListModel::plannedStages(const store::RunRecord& record) {
  // Stored since schema 5 (one per task, or one for multitask); 0 only on a run without tasks.
  return record.stage_count > 0 ? record.stage_count : record.task_count;
}

QString RunListModel::stagesText(const store::RunRecord& record) {
  return QStringLiteral("%1/%2").arg(record.last_finished_stage).arg(plannedStages(record));
}

QString RunListModel::statusText(const store::RunRecord& record) {
  QString text = QString(store::run_status_name(record.status));
  if (std::find(record.tags.begin(), record.tags.end(), store::kDivergedTag) != record.tags.end())
    text += QStringLiteral(" · ") + store::kDivergedTag;
  return text;
}

RunListModel::CachedKey RunListModel::settingsOf(store::Store& store,
                                                 const store::RunRecord& record) {
  const auto cached = keys_.constFind(record.id);
  if (cached != keys_.constEnd() && cached->task_count == record.task_count) return *cached;
  QString key;
  bool quick = false;
  try {
    const store::RunData data = store.load_run(record.id);
    QStringList tasks;
    for (const auto& task : data.tasks) tasks << QString::fromStdString(task.name);
    key = seed_group_key(
        QString::fromStdString(record.experiment_name), QString::fromStdString(record.strategy),
        QString::fromStdString(record.label), tasks, QString::fromStdString(data.config_json));
    quick = is_quick_config(data.config_json);
  } catch (const std::exception&) {
    // Deleted between list_runs and here (another process): a group of its own, not a failed
    // refresh; the next refresh drops it.
    return {record.task_count, QStringLiteral("run %1").arg(record.id), false};
  }
  const CachedKey settings{record.task_count, key, quick};
  keys_.insert(record.id, settings);
  return settings;
}

void RunListModel::refresh(store::Store& store) {
  const QString path = QString::fromStdString(store.path());
  if (path != keys_path_) {
    keys_.clear();  // run ids are per database
    keys_path_ = path;
  }
  QVector<Row> fresh;
  QHash<int64_t, CachedKey> seen;
  for (store::RunRecord& record : store.list_runs()) {
    const std::optional<double> ap = ap_of(record.summary_json);
    CachedKey settings = settingsOf(store, record);
    if (keys_.contains(record.id)) seen.insert(record.id, keys_.value(record.id));
    fresh.push_back({std::move(record), ap, std::move(settings.key), settings.quick});
  }
  keys_ = std::move(seen);  // forget deleted runs
  beginResetModel();
  runs_ = std::move(fresh);
  endResetModel();
}

int RunListModel::rowOf(int64_t run_id) const {
  for (int i = 0; i < runs_.size(); ++i)
    if (runs_[i].record.id == run_id) return i;
  return -1;
}

int RunListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(runs_.size());
}

int RunListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= runs_.size()) return {};
  const Row& row = runs_[index.row()];
  const store::RunRecord& r = row.record;
  if (role == RunIdRole) return QVariant::fromValue<qlonglong>(r.id);
  if (role == RunIdsRole) return QVariantList{QVariant::fromValue<qlonglong>(r.id)};
  if (role == SeedGroupKeyRole) return row.group_key;
  // The run's colour beside its label, as its lines are drawn in the plots and in compare.
  if (role == Qt::DecorationRole && index.column() == Label) return run_color(r.id);
  // Sorting uses EditRole: numbers and times sort as numbers, not as text.
  const bool sort_key = role == Qt::EditRole;
  if (role != Qt::DisplayRole && !sort_key && role != Qt::ToolTipRole) {
    if (role == Qt::TextAlignmentRole &&
        (index.column() == Id || index.column() == Seed || index.column() == Ap ||
         index.column() == Stages || index.column() == Duration)) {
      return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
  }
  switch (index.column()) {
    case Id:
      return QVariant::fromValue<qlonglong>(r.id);
    case Experiment:
      return QString::fromStdString(r.experiment_name);
    case Label:
      return QString::fromStdString(r.label);
    case Strategy:
      return QString::fromStdString(r.strategy);
    case Mode:
      if (role == Qt::ToolTipRole)
        return row.quick ? QStringLiteral("a quick check: a few steps per stage, small test sets")
                         : QStringLiteral("the experiment's full budgets");
      return modeText(row.quick);
    case Seed:
      return QVariant::fromValue<qulonglong>(r.seed);
    case Status:
      if (role == Qt::ToolTipRole && !r.status_reason.empty())
        return QString::fromStdString(r.status_reason);
      return statusText(r);
    case Stages:
      if (sort_key) return r.last_finished_stage;
      return stagesText(r);
    case Ap:
      if (!row.ap) return sort_key ? QVariant(-1.0) : QVariant(QString("–"));
      return sort_key ? QVariant(*row.ap) : QVariant(apText(*row.ap));
    case Started: {
      const int64_t ms = r.started_at_ms.value_or(r.created_at_ms);
      if (sort_key) return QVariant::fromValue<qlonglong>(ms);
      return timeText(ms);
    }
    case Duration: {
      const std::optional<int64_t> ms =
          store::run_duration_ms(r, QDateTime::currentMSecsSinceEpoch());
      if (sort_key) return QVariant::fromValue<qlonglong>(ms.value_or(-1));
      return ms ? durationText(*ms) : QStringLiteral("–");
    }
    case Tags: {
      QStringList tags;
      for (const auto& t : r.tags) tags << QString::fromStdString(t);
      return tags.join(", ");
    }
  }
  return {};
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  // By name, not by position: the enum alone orders the columns.
  switch (section) {
    case Id:
      return QStringLiteral("id");
    case Label:
      return QStringLiteral("label");
    case Strategy:
      return QStringLiteral("strategy");
    case Status:
      return QStringLiteral("status");
    case Stages:
      return QStringLiteral("stages");
    case Ap:
      return QStringLiteral("AP %");
    case Mode:
      return QStringLiteral("mode");
    case Duration:
      return QStringLiteral("duration");
    case Seed:
      return QStringLiteral("seed");
    case Started:
      return QStringLiteral("started");
    case Experiment:
      return QStringLiteral("experiment");
    case Tags:
      return QStringLiteral("tags");
    default:
      return {};
  }
}

}  // namespace sy::ui
