// CompareView: several runs side by side — their score matrices on one colour scale, their loss
// curves overlaid, each task's retention with one line per run (seed replicates folded into a mean
// line with a min–max band), a summary table with each metric's difference to the first run, and
// the settings in which the runs' stored configs differ. Every run is named with its id and drawn
// in its own colour (run_color.h); one legend above the plots hides a run (or seed group) in all
// of them on a click. Runs over different task lists are compared with a visible warning and
// their task lists in the settings table. Both tables export as CSV.
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include "ui/run_trace.h"

class QAbstractItemModel;
class QCustomPlot;
class QGridLayout;
class QLabel;
class QSplitter;
class QStackedWidget;
class QStandardItemModel;
class QTabWidget;
class QTableView;

namespace sy::ui {

class LinePlotControls;
class MatrixHeatmap;

class CompareView : public QWidget {
  Q_OBJECT

 public:
  explicit CompareView(QWidget* parent = nullptr);

  // runs in the order the user picked them; the first is the reference of the Δ columns.
  // configJsons[i] is runs[i]'s stored config (runs.config, docs/storage.md); an empty or
  // unparsable one means "not known": its column in the settings table stays empty and it does
  // not make a setting count as differing. Missing entries count as empty.
  void setRuns(const QVector<RunTrace>& runs, const QVector<QString>& configJsons);

  int heatmapCount() const { return int(heatmaps_.size()); }
  const MatrixHeatmap* heatmap(int index) const { return heatmaps_.value(index); }
  QString heatmapTitle(int index) const { return heatmap_titles_.value(index); }

  // One plot per task, in the order tasks first appear across the runs.
  int retentionPlotCount() const { return int(retention_plots_.size()); }
  const QCustomPlot* retentionPlot(int task) const { return retention_plots_.value(task); }
  QStringList retentionTasks() const { return retention_tasks_; }

  QAbstractItemModel* summaryModel() const;
  QAbstractItemModel* settingsModel() const;
  QTabWidget* tabs() const { return tabs_; }

  // The loss curves of all runs in one plot: per run a faint raw graph and its smoothed one.
  const QCustomPlot* lossPlot() const { return loss_plot_; }
  LinePlotControls* lossControls() const { return loss_controls_; }

  // The shared legend: one entry per seed group (a single run is a group of one), and whether
  // its lines are shown; a click on an entry toggles it in every plot.
  QStringList legendEntries() const;
  QColor legendColor(int entry) const;
  bool isEntryShown(int entry) const;
  void setEntryShown(int entry, bool shown);

  // The warning above the tabs ("" when none): runs over different task lists.
  QString warningText() const;
  // The sentence shown instead of the tabs while there are no runs to compare; "" otherwise.
  QString emptyText() const;

  // "#12 switchcit · seed 0": the run's id (when stored), label and seed.
  static QString runTitle(const RunTrace& run);

  // The table as shown, header first, RFC 4180 quoting; undefined values ("–") are written as
  // empty fields so that spreadsheet and pandas readers see a missing value, not text.
  bool exportSummaryCsv(const QString& path) const;
  bool exportSettingsCsv(const QString& path) const;

  // The text for a value missing from the tables.
  static QString undefinedText();
  // "a.b.c" → value, arrays joined by ", " (see the .cpp for scalars); exposed for tests.
  static QMap<QString, QString> flattenConfig(const QString& json, bool* ok = nullptr);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  struct Group {  // runs that differ only by seed (seed_group_key)
    QString name;
    QVector<int> runs;     // indices into runs_
    QVector<int> samples;  // of those, one per seed (one_run_per_seed): the retention mean's
  };

  void buildLegend();
  void buildLoss();
  void smoothLoss();
  void buildWarning();
  void applyPalette();
  QVector<QCustomPlot*> allPlots() const;
  void buildHeatmaps();
  void buildRetention();
  void buildSummary();
  void buildSettings(const QVector<QString>& configJsons);
  QVector<Group> seedGroups() const;
  void showTableMenu(QTableView* view, bool summary, const QPoint& pos);

  QVector<RunTrace> runs_;
  QVector<QString> configs_;  // runs_[i]'s stored config; empty when not known
  QVector<Group> groups_;
  QVector<bool> group_shown_;
  QStackedWidget* pages_;  // the tabs, or the sentence saying what to do
  QLabel* empty_;
  QLabel* warning_;
  QWidget* legend_;
  QGridLayout* legend_grid_;
  QTabWidget* tabs_;
  LinePlotControls* loss_controls_;
  QCustomPlot* loss_plot_;
  QWidget* heatmap_host_;
  QGridLayout* heatmap_grid_;
  QWidget* retention_grid_host_;
  QGridLayout* retention_grid_;
  QTableView* summary_view_;
  QTableView* settings_view_;
  QStandardItemModel* summary_model_;
  QStandardItemModel* settings_model_;
  QVector<MatrixHeatmap*> heatmaps_;
  QStringList heatmap_titles_;
  QVector<QWidget*> heatmap_panels_;
  QVector<QCustomPlot*> retention_plots_;
  QStringList retention_tasks_;
};

}  // namespace sy::ui
