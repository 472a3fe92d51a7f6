// RunListPanel: the run list as the window shows it — a filter line, the Group seeds toggle and
// a tree view over the database's runs, flat or one row per seed group — and its selection, kept
// by run id or group key across a re-read or a regrouping. The window decides what a picked run
// or a context menu does.
#pragma once

#include <QModelIndex>
#include <QPoint>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>

class QAbstractItemModel;
class QAction;
class QItemSelectionModel;
class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

namespace sy::store {
class Store;
}

namespace sy::ui {

class RunListModel;
class SeedGroupModel;

class RunListPanel : public QWidget {
  Q_OBJECT

 public:
  // `runs`: the list's model (the caller's); `group_seeds`: the checkable action that groups.
  RunListPanel(RunListModel* runs, QAction* group_seeds, QWidget* parent = nullptr);

  // The list as the view shows it (sorted, filtered, grouped or not) and its selection.
  QAbstractItemModel* model() const;
  QItemSelectionModel* selection() const;
  QTreeView* view() const { return view_; }
  QLineEdit* filter() const { return filter_; }

  bool groupSeeds() const;
  void setGroupSeeds(bool on);
  // Re-reads the runs from `store`, keeping the selection; throws what the store throws.
  void refresh(store::Store& store);
  // Selects these runs' rows (opening their groups), the first one current, without a
  // runPicked().
  void selectRuns(const QVector<int64_t>& run_ids);
  // The selected runs; a selected seed group brings all its runs, each run counts once.
  QVector<int64_t> selectedRunIds() const;
  // The run ids a row stands for: one run, or a seed group's runs.
  static QVector<int64_t> runIdsOf(const QModelIndex& index);

 Q_SIGNALS:
  // The user made a run's row current (not a group's, not a restored selection).
  void runPicked(int64_t run_id);
  void menuRequested(const QModelIndex& index, const QPoint& global_pos);

 private:
  struct Selection {
    QStringList selected;
    QString current;
  };
  Selection currentSelection() const;
  void restoreSelection(const Selection& selection);
  void resizeColumns();

  RunListModel* runs_;
  SeedGroupModel* seed_groups_;
  QSortFilterProxyModel* proxy_;
  QLineEdit* filter_;
  QTreeView* view_;
  bool restoring_ = false;  // selection changes that are not the user's
};

}  // namespace sy::ui
