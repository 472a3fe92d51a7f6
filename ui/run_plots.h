// RunPlots: the plots of one run side by side — training loss, retention, the score matrix, the
// router's confusion after a chosen stage — under a line with the run's summary metrics. Fed
// whole RunTraces (or told that a followed one grew) as often as events arrive; redraws at most
// once per frame (FrameCoalescer).
#pragma once

#include <QList>
#include <QMap>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <functional>

#include "ui/frame_coalescer.h"
#include "ui/run_trace.h"

class QLabel;
class QSlider;
class QStackedWidget;

namespace sy::ui {

class LossPlot;
class MatrixHeatmap;
class RetentionPlot;

class RunPlots : public QWidget {
  Q_OBJECT

 public:
  explicit RunPlots(QWidget* parent = nullptr);

  // Cheap: keeps a (shared, copy-on-write) copy and schedules one redraw; calls in between
  // only replace the copy.
  void setTrace(const RunTrace& trace);
  // Follows a trace that keeps growing (a live run): it is read through `source` when the plots
  // draw, so they never hold a share of it while events append to it (which would copy every
  // point). traceChanged() says it grew. `source` returns nullptr once the trace is gone;
  // setTrace() ends the following.
  void followTrace(std::function<const RunTrace*()> source);
  void traceChanged();
  // Shows `sentence` instead of the plots (no run to show: first start, a filter that matches
  // nothing) until the next setTrace. At construction it says how to get a run on screen.
  void showEmpty(const QString& sentence);
  QString emptyText() const;  // the sentence shown now; "" while the plots are shown
  // The score heatmap's colour range in %, 0..100 unless runs shown together share another.
  void setScoreColorRange(double lower, double upper);

  // "AP 71.3 %  ·  forgetting 4.2 %  ·  …", "–" for what is not defined (yet).
  static QString summaryText(const RunSummary& summary);
  // What each stage trains, for axis labels: the tasks, or "all tasks" for multitask's one stage.
  static QStringList stageLabels(const RunTrace& trace);
  // The score matrix in % with its row labels ("0 (base)", "1 reverse", ...), as the heatmaps
  // show it.
  static void scoreMatrixPercent(const RunTrace& trace, QVector<QVector<double>>* values,
                                 QStringList* rows);

  // The redraw interval: FrameCoalescer's frame, the one coalescing layer of the live plots.
  static constexpr int kRefreshMs = FrameCoalescer::kFrameMs;
  // Updates in, redraws out (counts, for tests).
  const FrameCoalescer& frames() const { return *frames_; }

  LossPlot* lossPlot() const { return loss_; }
  RetentionPlot* retentionPlot() const { return retention_; }
  MatrixHeatmap* scoreHeatmap() const { return scores_; }
  MatrixHeatmap* confusionHeatmap() const { return confusion_; }
  QWidget* confusionPanel() const { return confusion_panel_; }
  QSlider* confusionSlider() const { return slider_; }
  QLabel* summaryLabel() const { return summary_; }

 private:
  void refresh();
  void showConfusion();

  LossPlot* loss_;
  RetentionPlot* retention_;
  MatrixHeatmap* scores_;
  MatrixHeatmap* confusion_;
  QWidget* confusion_panel_;
  QSlider* slider_;
  QLabel* slider_label_;
  QLabel* summary_;
  QStackedWidget* pages_;  // the plots, or the sentence saying why there are none
  QLabel* empty_;
  FrameCoalescer* frames_ = nullptr;
  RunTrace trace_;                           // the latest trace not yet drawn
  std::function<const RunTrace*()> source_;  // the followed trace, if any
  bool dirty_ = false;
  // What the confusion view needs between redraws (the slider moves without a new trace).
  QMap<int, QVector<QVector<int64_t>>> confusions_;
  QList<int> confusion_stages_;  // the slider's index -> after_stage
  QStringList tasks_, stage_labels_;
};

}  // namespace sy::ui
