// RetentionPlot: how each task's score moves as the run trains stage after stage — one line per
// task through the rows of the score matrix (x = after stage i, y = score in %), with gaps where
// a cell is not evaluated.
#pragma once

#include <QColor>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;

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

  // The fixed qualitative palette (matplotlib's tab10), so task j has one colour everywhere.
  static QColor taskColor(int task);

 private:
  void showContextMenu(const QPoint& pos);
  QSize exportSize() const;

  QCustomPlot* plot_;
  QVector<QVector<double>> scores_;
  QStringList tasks_, stage_labels_;
  bool has_data_ = false;
};

}  // namespace sy::ui
