// RetentionPlot: how each task's score moves as the run trains stage after stage — one line per
// task through the rows of the score matrix (x = after stage i, y = score in %), with gaps where
// a cell is not evaluated. Stage labels slant or shorten where they would collide; legend entries
// hide their line on a click; colours follow the desktop's palette; with no scores it shows a
// sentence instead of empty axes.
#pragma once

#include <QColor>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QLabel;
class QStackedWidget;

namespace sy::ui {

class RetentionPlot : public QWidget {
  Q_OBJECT

 public:
  explicit RetentionPlot(QWidget* parent = nullptr);

  // scores[i][j] as RunTrace::scores (fractions, NaN where not evaluated); tasks name the
  // columns; stageLabels[k - 1] names stage k on the x axis (empty: the tasks). The x axis
  // spans the planned stages (at least the rows given), so it does not jump during a run.
  void setScores(const QVector<QVector<double>>& scores, const QStringList& tasks,
                 const QStringList& stageLabels = {});

  bool exportPng(const QString& path);  // at twice the on-screen size
  bool exportPdf(const QString& path);  // vectors

  QCustomPlot* plot() const { return plot_; }
  QString emptyText() const;  // the sentence shown instead of the plot; "" while it is shown

  // The task palette (run_color.h), so task j has one colour everywhere.
  static QColor taskColor(int task);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void fitStageLabels();
  void showContextMenu(const QPoint& pos);
  QSize exportSize() const;

  QCustomPlot* plot_;
  QStackedWidget* pages_;
  QLabel* empty_;
  QStringList full_ticks_, brief_ticks_;  // the stage labels whole and as numbers
  QStringList shown_ticks_;
  double shown_rotation_ = 0;
  QVector<QVector<double>> scores_;
  QStringList tasks_, stage_labels_;
  bool has_data_ = false;
};

}  // namespace sy::ui
