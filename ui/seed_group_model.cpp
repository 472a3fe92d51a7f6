// SeedGroupModel; see seed_group_model.h. Internal ids: 0 for a top-level row, the group's row
// + 1 for a run inside a group, so parent() needs no lookup.
#include "ui/seed_group_model.h"

#include <QHash>
#include <QSet>
#include <QVariantList>

#include <algorithm>
#include <cmath>
#include <map>

#include "storage/records.h"
#include "ui/run_list_model.h"
#include "ui/seed_group.h"

namespace sy::ui {

SeedGroupModel::SeedGroupModel(RunListModel* source, QObject* parent)
    : QAbstractItemModel(parent), source_(source) {
  // RunListModel only ever resets; anything finer grained is folded into a rebuild as well.
  connect(source_, &QAbstractItemModel::modelAboutToBeReset, this,
          &SeedGroupModel::beginResetModel);
  connect(source_, &QAbstractItemModel::modelReset, this, [this] {
    rebuild();
    endResetModel();
  });
  const auto reset = [this] {
    beginResetModel();
    rebuild();
    endResetModel();
  };
  connect(source_, &QAbstractItemModel::rowsInserted, this, reset);
  connect(source_, &QAbstractItemModel::rowsRemoved, this, reset);
  connect(source_, &QAbstractItemModel::rowsMoved, this, reset);
  connect(source_, &QAbstractItemModel::layoutChanged, this, reset);
  connect(source_, &QAbstractItemModel::dataChanged, this, reset);
  rebuild();
}

bool SeedGroupModel::isGroup(const QModelIndex& index) {
  return index.isValid() && index.data(RunListModel::RunIdRole).toLongLong() == 0 &&
         index.data(RunListModel::RunIdsRole).toList().size() > 1;
}

void SeedGroupModel::rebuild() {
  groups_.clear();
  QHash<QString, int> by_key;
  const int n = source_->rowCount();
  by_key.reserve(n);
  for (int row = 0; row < n; ++row) {
    const QString key = source_->groupKey(row);
    auto it = by_key.constFind(key);
    if (it == by_key.constEnd()) {
      it = by_key.insert(key, int(groups_.size()));
      Group group;
      group.key = key;
      groups_.append(group);
    }
    groups_[*it].rows.append(row);
  }
  for (Group& g : groups_) {
    if (g.rows.size() < 2) continue;      // shown as the run itself
    std::map<std::string, int> statuses;  // ordered: the text does not depend on row order
    double sum = 0, sum_squares = 0;
    bool first = true;
    QVector<uint64_t> seeds;
    QVector<int64_t> ids;
    for (int row : g.rows) {
      seeds << source_->record(row).seed;
      ids << source_->record(row).id;
    }
    // The AP's samples: one run per seed (seed_group.h); every run counts for the rest.
    QSet<int> samples;
    for (int i : one_run_per_seed(seeds, ids)) samples.insert(g.rows[i]);
    g.samples = int(samples.size());
    for (int row : g.rows) {
      const store::RunRecord& r = source_->record(row);
      if (const auto ap = source_->ap(row); ap && samples.contains(row)) {
        sum += *ap;
        sum_squares += *ap * *ap;
        g.ap_min = g.ap_count == 0 ? *ap : std::min(g.ap_min, *ap);
        g.ap_max = g.ap_count == 0 ? *ap : std::max(g.ap_max, *ap);
        ++g.ap_count;
      }
      const int64_t ms = r.started_at_ms.value_or(r.created_at_ms);
      g.newest_ms = first ? ms : std::max(g.newest_ms, ms);
      g.newest_id = std::max(g.newest_id, r.id);
      g.stages_min = first ? r.last_finished_stage : std::min(g.stages_min, r.last_finished_stage);
      g.stages_max = std::max(g.stages_max, r.last_finished_stage);
      g.stages_planned = std::max(g.stages_planned, RunListModel::plannedStages(r));
      ++statuses[store::run_status_name(r.status)];
      for (const auto& tag : r.tags) {
        const QString t = QString::fromStdString(tag);
        if (!g.tags.contains(t)) g.tags << t;
      }
      first = false;
    }
    if (g.ap_count > 0) g.ap_mean = sum / g.ap_count;
    // The sample standard deviation (n - 1), as papers report a spread over seeds.
    if (g.ap_count > 1)
      g.ap_sd = std::sqrt(
          std::max(0.0, (sum_squares - g.ap_count * g.ap_mean * g.ap_mean) / (g.ap_count - 1)));
    std::sort(seeds.begin(), seeds.end());
    QStringList seed_texts;  // "0 (×2), 1": a seed run again is named once, with its count
    for (auto it = seeds.begin(); it != seeds.end();) {
      const auto end = std::upper_bound(it, seeds.end(), *it);
      seed_texts << (end - it > 1 ? QStringLiteral("%1 (\u00d7%2)").arg(*it).arg(end - it)
                                  : QString::number(*it));
      it = end;
    }
    g.seeds = seed_texts.join(QStringLiteral(", "));
    g.tags.sort();
    QStringList parts;
    for (const auto& [name, count] : statuses)
      parts << (statuses.size() == 1
                    ? QString::fromStdString(name)
                    : QStringLiteral("%1 %2").arg(count).arg(QString::fromStdString(name)));
    g.status = parts.join(QStringLiteral(", "));
  }
}

QModelIndex SeedGroupModel::index(int row, int column, const QModelIndex& parent) const {
  if (row < 0 || column < 0 || column >= RunListModel::ColumnCount) return {};
  if (!parent.isValid()) {
    return row < groups_.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
  }
  if (parent.internalId() != 0 || parent.column() != 0) return {};
  const Group& group = groups_.value(parent.row());
  if (group.rows.size() < 2 || row >= group.rows.size()) return {};
  return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex SeedGroupModel::parent(const QModelIndex& child) const {
  if (!child.isValid() || child.internalId() == 0) return {};
  return createIndex(int(child.internalId() - 1), 0, quintptr(0));
}

int SeedGroupModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return int(groups_.size());
  if (parent.internalId() != 0 || parent.column() != 0) return 0;
  const int size = int(groups_.value(parent.row()).rows.size());
  return size > 1 ? size : 0;
}

int SeedGroupModel::columnCount(const QModelIndex&) const {
  return RunListModel::ColumnCount;
}

int SeedGroupModel::sourceRow(const QModelIndex& index) const {
  if (index.internalId() != 0) return groups_[int(index.internalId() - 1)].rows.value(index.row());
  const Group& group = groups_[index.row()];
  return group.rows.size() == 1 ? group.rows.first() : -1;
}

QVariant SeedGroupModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const int row = sourceRow(index);
  if (row >= 0) return source_->index(row, index.column()).data(role);
  return groupData(groups_[index.row()], index.column(), role);
}

QVariant SeedGroupModel::groupData(const Group& g, int column, int role) const {
  if (role == RunListModel::RunIdRole) return QVariant::fromValue<qlonglong>(0);
  if (role == RunListModel::RunIdsRole) {
    QVariantList ids;
    for (int row : g.rows) ids << QVariant::fromValue<qlonglong>(source_->runId(row));
    return ids;
  }
  if (role == RunListModel::SeedGroupKeyRole) return g.key;
  const QModelIndex first = source_->index(g.rows.first(), column);
  if (role == Qt::TextAlignmentRole) return first.data(role);
  const bool sort_key = role == Qt::EditRole;
  if (role == Qt::ToolTipRole) {
    if (column == RunListModel::Seed)
      return g.samples < g.rows.size()
                 ? tr("seeds %1: a seed run again counts once, by its newest run").arg(g.seeds)
                 : tr("seeds %1").arg(g.seeds);
    if (column == RunListModel::Ap && g.ap_count > 0)
      return tr("mean AP of %1 runs \u00b1 their standard deviation; min %2, max %3")
          .arg(g.ap_count)
          .arg(RunListModel::apText(g.ap_min), RunListModel::apText(g.ap_max));
    if (column == RunListModel::Id)
      return tr("%1 runs that differ only by seed").arg(g.rows.size());
    return {};
  }
  if (role != Qt::DisplayRole && !sort_key) return {};
  switch (column) {
    case RunListModel::Id:  // the newest run's id, so that "newest first" keeps the group there
      return sort_key ? QVariant::fromValue<qlonglong>(g.newest_id) : QVariant(QString());
    case RunListModel::Experiment:
    case RunListModel::Label:
    case RunListModel::Strategy:
    case RunListModel::Mode:    // quick is one of the settings the group key compares
      return first.data(role);  // the same for every run of the group
    case RunListModel::Seed:
      // n counts seeds, the samples the AP's mean and spread are over.
      return sort_key ? QVariant(g.samples) : QVariant(tr("n = %1").arg(g.samples));
    case RunListModel::Status:
      return g.status;
    case RunListModel::Stages:
      if (sort_key) return g.stages_min;
      return g.stages_min == g.stages_max
                 ? QStringLiteral("%1/%2").arg(g.stages_min).arg(g.stages_planned)
                 : QStringLiteral("%1–%2/%3")
                       .arg(g.stages_min)
                       .arg(g.stages_max)
                       .arg(g.stages_planned);
    case RunListModel::Ap:
      if (g.ap_count == 0) return sort_key ? QVariant(-1.0) : QVariant(QStringLiteral("–"));
      if (sort_key) return g.ap_mean;
      if (g.ap_count == 1) return RunListModel::apText(g.ap_mean);
      // Mean and spread in the form papers use, four characters wider than a run's AP: the
      // min–max form ("5.3 (2.0–8.6)") was cut at the default window size (issue 21, 8); the
      // tooltip gives min and max.
      return QStringLiteral("%1 \u00b1 %2")
          .arg(RunListModel::apText(g.ap_mean), RunListModel::apText(g.ap_sd));
    case RunListModel::Started:
      return sort_key ? QVariant::fromValue<qlonglong>(g.newest_ms)
                      : QVariant(RunListModel::timeText(g.newest_ms));
    case RunListModel::Tags:
      return g.tags.join(QStringLiteral(", "));
  }
  return {};
}

QVariant SeedGroupModel::headerData(int section, Qt::Orientation orientation, int role) const {
  return source_->headerData(section, orientation, role);
}

}  // namespace sy::ui
