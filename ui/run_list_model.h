// The run list: every run of the database as a table (experiment, label, strategy, seed, status,
// stages, AP, started), read from the store on refresh(). A QSortFilterProxyModel on top sorts
// and filters it; thousands of runs stay fast because it is an item model, not a widget per row.
#pragma once

#include <QAbstractTableModel>
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
  enum Column {
    Id,
    Experiment,
    Label,
    Strategy,
    Seed,
    Status,
    Stages,
    Ap,
    Started,
    Tags,
    ColumnCount
  };
  // The run id of a row, for views: data(index, RunIdRole).
  static constexpr int RunIdRole = Qt::UserRole + 1;

  explicit RunListModel(QObject* parent = nullptr);

  // Re-reads the runs (newest first).
  void refresh(store::Store& store);
  int64_t runId(int row) const { return runs_.at(row).record.id; }
  int rowOf(int64_t run_id) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  struct Row {
    store::RunRecord record;
    std::optional<double> ap;
  };
  QVector<Row> runs_;
};

}  // namespace sy::ui
