// RunListPanel: the view, the filter and the seed grouping over RunListModel, and the selection
// kept by key.
#include "ui/run_list_panel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <functional>

#include "ui/run_list_model.h"
#include "ui/seed_group_model.h"

namespace sy::ui {
namespace {

// What a run list row stands for: one run, or a seed group.
QString row_key(const QModelIndex& index) {
  const qlonglong id = index.data(RunListModel::RunIdRole).toLongLong();
  return id != 0 ? QString("run %1").arg(id)
                 : "group " + index.data(RunListModel::SeedGroupKeyRole).toString();
}

}  // namespace

RunListPanel::RunListPanel(RunListModel* runs, QAction* group_seeds, QWidget* parent)
    : QWidget(parent), runs_(runs), seed_groups_(new SeedGroupModel(runs, this)) {
  proxy_ = new QSortFilterProxyModel(this);
  proxy_->setSourceModel(runs_);
  proxy_->setSortRole(Qt::EditRole);
  proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  proxy_->setFilterKeyColumn(-1);  // any column: experiment, strategy, status, tag, date
  // A seed group stays while one of its runs matches.
  proxy_->setRecursiveFilteringEnabled(true);

  filter_ = new QLineEdit;
  filter_->setObjectName("runFilter");
  filter_->setPlaceholderText("Filter runs (experiment, strategy, status, tag, date)…");
  filter_->setClearButtonEnabled(true);
  connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);

  // A tree view, so that the same view shows the flat list and the seed groups.
  view_ = new QTreeView;
  view_->setModel(proxy_);
  view_->setRootIsDecorated(false);
  view_->setUniformRowHeights(true);  // no per-row size query: thousands of runs stay fast
  view_->setAllColumnsShowFocus(true);
  view_->setSortingEnabled(true);
  view_->sortByColumn(RunListModel::Id, Qt::DescendingOrder);
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  view_->header()->setStretchLastSection(true);
  view_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(view_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
    const QModelIndex index = view_->indexAt(pos);
    if (index.isValid()) Q_EMIT menuRequested(index, view_->viewport()->mapToGlobal(pos));
  });
  connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (restoring_ || !current.isValid()) return;
            const int64_t id = current.data(RunListModel::RunIdRole).toLongLong();
            if (id == 0) return;  // a seed group: its runs are compared, not shown one by one
            Q_EMIT runPicked(id);
          });

  auto* group_button = new QToolButton;
  group_button->setDefaultAction(group_seeds);
  group_button->setToolButtonStyle(Qt::ToolButtonTextOnly);
  auto* filter_row = new QHBoxLayout;
  filter_row->addWidget(filter_, 1);
  filter_row->addWidget(group_button);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(filter_row);
  layout->addWidget(view_);
}

QAbstractItemModel* RunListPanel::model() const {
  return proxy_;
}

QItemSelectionModel* RunListPanel::selection() const {
  return view_->selectionModel();
}

bool RunListPanel::groupSeeds() const {
  return proxy_->sourceModel() == seed_groups_;
}

void RunListPanel::setGroupSeeds(bool on) {
  if (on == groupSeeds()) return;
  const Selection selection = currentSelection();
  proxy_->setSourceModel(on ? static_cast<QAbstractItemModel*>(seed_groups_) : runs_);
  view_->setRootIsDecorated(on);
  restoreSelection(selection);
  resizeColumns();
}

void RunListPanel::refresh(store::Store& store) {
  const Selection selection = currentSelection();
  try {
    runs_->refresh(store);
  } catch (...) {
    restoreSelection(selection);
    throw;
  }
  restoreSelection(selection);
  resizeColumns();
}

void RunListPanel::selectRuns(const QVector<int64_t>& run_ids) {
  Selection selection;
  for (int64_t id : run_ids) selection.selected << QString("run %1").arg(id);
  selection.current = selection.selected.value(0);
  restoreSelection(selection);
  const QModelIndex current = view_->selectionModel()->currentIndex();
  if (current.isValid()) view_->scrollTo(current);
}

QVector<int64_t> RunListPanel::runIdsOf(const QModelIndex& index) {
  QVector<int64_t> ids;
  for (const QVariant& id : index.data(RunListModel::RunIdsRole).toList()) ids << id.toLongLong();
  return ids;
}

QVector<int64_t> RunListPanel::selectedRunIds() const {
  QVector<int64_t> run_ids;
  for (const QModelIndex& index : view_->selectionModel()->selectedRows()) {
    for (int64_t id : runIdsOf(index))
      if (!run_ids.contains(id)) run_ids << id;
  }
  return run_ids;
}

RunListPanel::Selection RunListPanel::currentSelection() const {
  Selection selection;
  for (const QModelIndex& index : view_->selectionModel()->selectedRows())
    selection.selected << row_key(index);
  const QModelIndex current = view_->selectionModel()->currentIndex();
  if (current.isValid()) selection.current = row_key(current);
  return selection;
}

void RunListPanel::restoreSelection(const Selection& selection) {
  if (selection.selected.isEmpty() && selection.current.isEmpty()) return;
  const QSet<QString> wanted(selection.selected.begin(), selection.selected.end());
  QItemSelection rows;
  QModelIndex current;
  const int last = proxy_->columnCount() - 1;
  // One pass over the rows (and the runs inside groups): linear in the list's length.
  std::function<void(const QModelIndex&)> visit = [&](const QModelIndex& parent) {
    for (int r = 0, n = proxy_->rowCount(parent); r < n; ++r) {
      const QModelIndex index = proxy_->index(r, 0, parent);
      const QString key = row_key(index);
      if (wanted.contains(key)) {
        rows.select(index, index.siblingAtColumn(last));
        if (parent.isValid()) view_->expand(parent);
      }
      if (key == selection.current) current = index;
      if (proxy_->hasChildren(index)) visit(index);
    }
  };
  visit({});
  restoring_ = true;
  QItemSelectionModel* model = view_->selectionModel();
  if (current.isValid()) model->setCurrentIndex(current, QItemSelectionModel::NoUpdate);
  model->select(rows, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  restoring_ = false;
}

void RunListPanel::resizeColumns() {
  for (int c = 0; c < RunListModel::ColumnCount - 1; ++c) view_->resizeColumnToContents(c);
}

}  // namespace sy::ui
