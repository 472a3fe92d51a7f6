// The run list model. AP comes from each run's summary document, which list_runs carries; the
// seed-group key from the run's tasks and stored settings, read once per run.
#include "ui/run_list_model.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <QVariantList>

#include "storage/store.h"
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

QString RunListModel::groupKeyOf(store::Store& store, const store::RunRecord& record) {
  const auto cached = keys_.constFind(record.id);
  if (cached != keys_.constEnd() && cached->task_count == record.task_count) return cached->key;
  QString key;
  try {
    const store::RunData data = store.load_run(record.id);
    QStringList tasks;
    for (const auto& task : data.tasks) tasks << QString::fromStdString(task.name);
    key = seed_group_key(
        QString::fromStdString(record.experiment_name), QString::fromStdString(record.strategy),
        QString::fromStdString(record.label), tasks, QString::fromStdString(data.config_json));
  } catch (const std::exception&) {
    // Deleted between list_runs and here (another process): a group of its own, not a failed
    // refresh; the next refresh drops it.
    return QStringLiteral("run %1").arg(record.id);
  }
  keys_.insert(record.id, {record.task_count, key});
  return key;
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
    QString key = groupKeyOf(store, record);
    if (keys_.contains(record.id)) seen.insert(record.id, keys_.value(record.id));
    fresh.push_back({std::move(record), ap, std::move(key)});
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
  // Sorting uses EditRole: numbers and times sort as numbers, not as text.
  const bool sort_key = role == Qt::EditRole;
  if (role != Qt::DisplayRole && !sort_key && role != Qt::ToolTipRole) {
    if (role == Qt::TextAlignmentRole && (index.column() == Id || index.column() == Seed ||
                                          index.column() == Ap || index.column() == Stages)) {
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
    case Seed:
      return QVariant::fromValue<qulonglong>(r.seed);
    case Status:
      if (role == Qt::ToolTipRole && !r.status_reason.empty())
        return QString::fromStdString(r.status_reason);
      return QString(store::run_status_name(r.status));
    case Stages:
      if (sort_key) return r.last_finished_stage;
      return QString("%1/%2").arg(r.last_finished_stage).arg(r.task_count);
    case Ap:
      if (!row.ap) return sort_key ? QVariant(-1.0) : QVariant(QString("–"));
      return sort_key ? QVariant(*row.ap) : QVariant(apText(*row.ap));
    case Started: {
      const int64_t ms = r.started_at_ms.value_or(r.created_at_ms);
      if (sort_key) return QVariant::fromValue<qlonglong>(ms);
      return timeText(ms);
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
  static const char* names[] = {"id",     "label", "strategy", "seed",       "status",
                                "stages", "AP %",  "started",  "experiment", "tags"};
  return section >= 0 && section < ColumnCount ? QString(names[section]) : QVariant();
}

}  // namespace sy::ui
