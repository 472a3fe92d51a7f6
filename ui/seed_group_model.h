// SeedGroupModel: the run list with the runs that differ only by seed (seed_group_key) folded
// into one row each — n, mean AP ± its standard deviation (min and max in the tooltip), the
// newest start, the union of tags — whose children are the runs themselves; a run without
// replicates stays a plain row. A tree model over RunListModel, rebuilt in one pass when the list
// is re-read, so a QSortFilterProxyModel sorts and filters it and a QTreeView shows thousands of
// runs without a widget per row.
#pragma once

#include <QAbstractItemModel>
#include <QString>
#include <QStringList>
#include <QVector>

#include <cstdint>

namespace sy::ui {

class RunListModel;

class SeedGroupModel : public QAbstractItemModel {
  Q_OBJECT

 public:
  // Columns and roles are RunListModel's; on a group row RunIdRole is 0 and RunIdsRole lists
  // every run of the group.
  explicit SeedGroupModel(RunListModel* source, QObject* parent = nullptr);

  RunListModel* sourceModel() const { return source_; }
  // True for a row that stands for several runs.
  static bool isGroup(const QModelIndex& index);

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  struct Group {
    QString key;
    QVector<int> rows;  // RunListModel rows, in its order (newest first)
    // Aggregates, computed when the list is re-read.
    int ap_count = 0;  // runs with an AP
    double ap_mean = 0, ap_min = 0, ap_max = 0;
    double ap_sd = 0;  // sample standard deviation; 0 below two runs
    int64_t newest_ms = 0;
    int64_t newest_id = 0;
    int stages_min = 0, stages_max = 0, stages_planned = 0;
    QString status;    // "finished", or "2 finished, 1 failed"
    QStringList tags;  // the union, sorted
    QString seeds;     // "0, 1, 2", in numeric order; "0 (×2), 1" when a seed was run again
    int samples = 0;   // distinct seeds: one run per seed counts (one_run_per_seed)
  };

  void rebuild();
  QVariant groupData(const Group& group, int column, int role) const;
  int sourceRow(const QModelIndex& index) const;  // -1 on a group row

  RunListModel* source_;
  QVector<Group> groups_;
};

}  // namespace sy::ui
