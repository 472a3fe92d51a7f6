// LossPlot: one run's training loss against a global step axis (the steps of stage k follow those
// of the stages before it), with dashed lines at stage boundaries labelled with the stage's task
// and an optional TensorBoard-style smoothed curve drawn over the faint raw one.
#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>

#include "ui/run_trace.h"

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;

namespace sy::ui {

class StageLabel;

class LossPlot : public QWidget {
  Q_OBJECT

 public:
  explicit LossPlot(QWidget* parent = nullptr);

  // `points` ordered by (stage, step) as in RunTrace; stageLabels[k - 1] names stage k (its
  // task). Cheap when the points only grew since the last call: the new ones are appended.
  void setPoints(const QVector<TracePoint>& points, const QStringList& stageLabels);
  // EMA weight in [0, 0.99]; 0 turns smoothing off (only the raw curve, drawn solid).
  void setSmoothing(double weight);
  // A sentence shown in the middle of the plot while it has no points (why it is empty).
  void setEmptyText(const QString& text);
  QString emptyText() const;
  double smoothing() const { return smoothing_; }

  // Debiased exponential moving average as TensorBoard draws it: ema_t = w*ema_{t-1} +
  // (1-w)*x_t, shown as ema_t / (1 - w^t), so the first value is x_1 and not pulled to 0.
  // Non-finite values give NaN and leave the average untouched.
  static QVector<double> smooth(const QVector<double>& values, double weight);

  bool exportPng(const QString& path);  // at twice the on-screen size
  bool exportPdf(const QString& path);  // vectors

  QCustomPlot* plot() const { return plot_; }

  QCPGraph* rawGraph() const { return raw_; }
  QCPGraph* smoothedGraph() const { return smoothed_; }

 private:
  struct StageMark {
    int stage = 0;
    int index = 0;                        // first data index of the stage
    QCPItemStraightLine* line = nullptr;  // none for the first stage
    StageLabel* label = nullptr;
  };
  struct Ema {  // running state, so that appended points continue the curve
    double average = 0;
    double decay = 1;  // w^t
  };

  void reset();
  void appendFrom(const QVector<TracePoint>& points, int from);
  void smoothFrom(int from);
  void addStageMark(int stage, int index, double x);
  void applyRange();
  void applyStyle();
  void showContextMenu(const QPoint& pos);
  QSize exportSize() const;

  QCustomPlot* plot_;

  QCPItemText* empty_text_ = nullptr;
  QCPGraph* raw_;
  QCPGraph* smoothed_;
  double smoothing_ = 0;
  QStringList stage_labels_;
  QVector<StageMark> marks_;
  // What the graph holds, to tell an extension of the same run from a new picture without
  // keeping a copy of the points (a copy would make the caller's next append copy them all).
  int count_ = 0;
  TracePoint first_, last_;
  // Where the next point goes: the current stage, its x offset, its largest step.
  int stage_ = -1;
  double offset_ = 0;
  int64_t stage_max_step_ = 0;
  bool sorted_ = true;
  double y_min_ = 0, y_max_ = 0;
  bool has_y_ = false;
  Ema ema_;
  bool auto_range_ = true;  // follow the data until the user drags or zooms
};

}  // namespace sy::ui
