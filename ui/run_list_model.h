// The run list: every run of the database as a table (label, strategy, status, stages, AP, quick
// or full, seed, started, duration, experiment, tags), read from the store on refresh(). A
// QSortFilterProxyModel on top sorts and filters it, and SeedGroupModel can fold it into one row
// per setting; thousands of runs stay fast because these are item models, not a widget per row.
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
  // What tells runs apart and how they did come first, so that a 1280-wide window still shows
  // the AP; the duration before the long start date, so that the default left pane at 1920 wide
  // shows it; the experiment, often the same for all, after the date.
  enum Column {
    Id,
    Label,
    Strategy,
    Status,
    Stages,
    Ap,
    Mode,  // "quick" (a few steps, for a check) or "full": found by the filter too
    Duration,
    Seed,
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

  // Re-reads the runs (newest first). A run's group key and quick flag need its tasks and settings,
  // which list_runs does not carry: they are read once per run (load_run) and kept until its
  // task count changes (an extended run's settings change with it).
  void refresh(store::Store& store);
  int64_t runId(int row) const { return runs_.at(row).record.id; }
  int rowOf(int64_t run_id) const;

  // Plain values of a row, for SeedGroupModel's aggregates (no QVariant round trip).
  const store::RunRecord& record(int row) const { return runs_.at(row).record; }
  std::optional<double> ap(int row) const { return runs_.at(row).ap; }
  QString groupKey(int row) const { return runs_.at(row).group_key; }
  bool quick(int row) const { return runs_.at(row).quick; }
  static QString apText(double ap);  // a fraction as the AP column shows it ("71.3")
  static QString timeText(int64_t ms);
  static QString modeText(bool quick);      // "quick" or "full"
  static QString durationText(int64_t ms);  // "45s", "4m 05s", "2h 03m"
  // A run's stages as every view shows them: finished of planned ("2/5"; multitask "1/1").
  static QString stagesText(const store::RunRecord& record);
  static int plannedStages(const store::RunRecord& record);
  // The status word, with "diverged" where the engine tagged the run so (its loss went NaN/Inf
  // or blew up): "finished · diverged".
  static QString statusText(const store::RunRecord& record);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  struct Row {
    store::RunRecord record;
    std::optional<double> ap;
    QString group_key;
    bool quick = false;  // the run's stored settings say "quick": true
  };
  // What a run's stored settings say, read once per run and kept until its task count changes.
  struct CachedKey {
    int task_count = 0;
    QString key;         // seed_group_key
    bool quick = false;  // "quick": true
  };
  CachedKey settingsOf(store::Store& store, const store::RunRecord& record);

  QVector<Row> runs_;
  QHash<int64_t, CachedKey> keys_;  // by run id
  QString keys_path_;               // the database keys_ belongs to
};

}  // namespace sy::ui
