// LossPlot: one run's training loss against a global step axis (the steps of stage k follow those
// of the stages before it), with dashed lines at stage boundaries labelled with the stage's task,
// in the run's colour (run_color.h), and what W&B and TensorBoard users expect of a line plot: a
// smoothed curve over the faint raw one, log or linear y, a read-out of the values under the
// cursor, legend entries that hide their series, wheel zoom and drag that last while the same run
// is shown (double-click, Home or the menu go back to following the data), and x as step or wall
// time (the time since the run's first step; offered only when every point has its time — points
// stored before schema version 6 have none, and the plot does not guess them). With no points it
// shows a sentence saying why instead of empty axes.
#pragma once

#include <QColor>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>

#include "ui/ema.h"
#include "ui/line_plot_controls.h"
#include "ui/run_trace.h"

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCPItemTracer;
class QLabel;
class QStackedWidget;

namespace sy::ui {

class StageLabel;

class LossPlot : public QWidget {
  Q_OBJECT

 public:
  explicit LossPlot(QWidget* parent = nullptr);

  // `points` ordered by (stage, step) as in RunTrace; stageLabels[k - 1] names stage k (its
  // task). Cheap when the points only grew since the last call: the new ones are appended.
  void setPoints(const QVector<TracePoint>& points, const QStringList& stageLabels);
  // Which run the points are of (its id, or its key while the id is not known) and its colour.
  // A zoom or drag is kept only while the same run is shown: another run resets the view, since
  // its curve would lie outside the axes kept.
  void setRun(const QString& identity, const QColor& color);
  // Back to following the data (what double-click and Home do).
  void resetView();
  bool followsData() const { return auto_range_; }
  // EMA weight in [0, 0.99]; 0 turns smoothing off (only the raw curve, drawn solid).
  void setSmoothing(double weight);
  void setLogY(bool log);
  bool logY() const { return log_y_; }
  // Step, or wall time when every point shown has its time (else Step stays, and the controls
  // say why); the choice is kept for the next run that has the times.
  void setXAxis(XAxis axis);
  XAxis xAxis() const { return shownXAxis(); }
  bool wallTimeAvailable() const { return count_ > 0 && has_times_; }
  // The sentence shown instead of the plot while it has no points (why it is empty); without
  // one, a default says that no training step has been recorded yet.
  void setEmptyText(const QString& text);
  QString emptyText() const;  // the sentence shown now; "" while the plot is shown
  // A line above the plot for what the curve lacks (stages another run trained); "" hides it.
  void setNote(const QString& text);
  QString note() const;
  double smoothing() const { return smoothing_; }

  // The read-out next to the cursor for the point nearest to it: "step 12 · stage 2
  // capitalize", the loss and its smoothed value; "" while the cursor is not over the data.
  QString hoverText() const;

  // Debiased exponential moving average as TensorBoard draws it (ema.h).
  static QVector<double> smooth(const QVector<double>& values, double weight);

  bool exportPng(const QString& path);  // at twice the on-screen size
  bool exportPdf(const QString& path);  // vectors

  QCustomPlot* plot() const { return plot_; }

  QCPGraph* rawGraph() const { return raw_; }
  QCPGraph* smoothedGraph() const { return smoothed_; }
  QCPItemTracer* tracer() const { return tracer_; }
  LinePlotControls* controls() const { return controls_; }

 protected:
  void changeEvent(QEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct StageMark {
    int stage = 0;
    int index = 0;                        // first data index of the stage
    double offset = 0;                    // global step of the stage's step 0
    double step_at = 0, time_at = 0;      // where its boundary is drawn on either x axis
    QCPItemStraightLine* line = nullptr;  // none for the first stage
    StageLabel* label = nullptr;
  };

  void reset();
  void appendFrom(const QVector<TracePoint>& points, int from);
  void smoothFrom(int from);
  void addStageMark(int stage, int index, double step_x, double time_x);
  XAxis shownXAxis() const;
  void applyXAxis();
  void placeStageMarks();
  void applyRange();
  void applyStyle();
  void applyPalette();
  void showEmptyOrPlot();
  void hover(const QPoint& pos);
  void hideHover();
  void showContextMenu(const QPoint& pos);
  QSize exportSize() const;

  QCustomPlot* plot_;
  LinePlotControls* controls_;
  QStackedWidget* pages_;
  QLabel* empty_label_;
  QLabel* note_;
  QString empty_text_;
  QCPItemTracer* tracer_;
  QCPItemText* hover_label_;
  QString run_;
  QColor color_;
  bool log_y_ = false;
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
  // Each point's x on both axes, so that switching rebuilds the keys without the points.
  QVector<double> step_x_, time_x_;
  bool has_times_ = true;  // every point so far has its time
  int64_t first_at_ms_ = 0;
  XAxis x_axis_ = XAxis::Step;  // the user's choice; shownXAxis() is what is drawn
  XAxis drawn_x_axis_ = XAxis::Step;
  double y_min_ = 0, y_max_ = 0;
  double y_min_positive_ = 0;  // for a log axis; 0 while no positive loss was seen
  bool has_y_ = false;
  DebiasedEma ema_{0};      // running state, so that appended points continue the curve
  bool auto_range_ = true;  // follow the data until the user drags or zooms
};

}  // namespace sy::ui
