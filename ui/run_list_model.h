// The run list: every run of the database as a table (label, strategy, seed, status, stages, AP,
// started, experiment, tags), read from the store on refresh(). A QSortFilterProxyModel on top
// sorts and filters it, and SeedGroupModel can fold it into one row per setting; thousands of
// runs stay fast because these are item models, not a widget per row.
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QString>
#include <QVector>

#include <optional>

#include "storage/records.h"

namespace sy::store {
class Store;
}

namespace sy::ui {

class RunListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  // What tells runs apart comes first; the experiment, often the same for all, after the date.
  enum Column {
    Id,
    Label,
    Strategy,
    Seed,
    Status,
    Stages,
    Ap,
    Started,
    Experiment,
    Tags,
    ColumnCount
  };
  // The run id of a row, for views: data(index, RunIdRole); 0 on a row that is not one run.
  static constexpr int RunIdRole = Qt::UserRole + 1;
  // The runs a row stands for, as a QVariantList of qlonglong: one here, a seed group's all in
  // SeedGroupModel. What Compare takes from a selection.
  static constexpr int RunIdsRole = Qt::UserRole + 2;
  // seed_group_key of the row's run: equal for runs that differ only by seed.
  static constexpr int SeedGroupKeyRole = Qt::UserRole + 3;

  explicit RunListModel(QObject* parent = nullptr);

  // Re-reads the runs (newest first). A run's group key needs its task names and settings,
  // which list_runs does not carry: they are read once per run (load_run) and kept until its
  // task count changes (an extended run's settings change with it).
  void refresh(store::Store& store);
  int64_t runId(int row) const { return runs_.at(row).record.id; }
  int rowOf(int64_t run_id) const;

  // Plain values of a row, for SeedGroupModel's aggregates (no QVariant round trip).
  const store::RunRecord& record(int row) const { return runs_.at(row).record; }
  std::optional<double> ap(int row) const { return runs_.at(row).ap; }
  QString groupKey(int row) const { return runs_.at(row).group_key; }
  static QString apText(double ap);  // a fraction as the AP column shows it ("71.3")
  static QString timeText(int64_t ms);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  struct Row {
    store::RunRecord record;
    std::optional<double> ap;
    QString group_key;
  };
  struct CachedKey {
    int task_count = 0;
    QString key;
  };
  QString groupKeyOf(store::Store& store, const store::RunRecord& record);

  QVector<Row> runs_;
  QHash<int64_t, CachedKey> keys_;  // by run id
  QString keys_path_;               // the database keys_ belongs to
};

}  // namespace sy::ui
