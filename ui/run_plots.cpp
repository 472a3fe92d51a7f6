// RunPlots: one run's plots and summary, redrawn at a bounded rate; see run_plots.h.
#include "ui/run_plots.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSet>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "engine/cl/strategy_traits.h"
#include "storage/run_format.h"
#include "ui/custom_plot.h"
#include "ui/frame_replot.h"
#include "ui/loss_plot.h"
#include "ui/matrix_heatmap.h"
#include "ui/plot_style.h"
#include "ui/retention_plot.h"
#include "ui/run_color.h"

namespace sy::ui {

namespace {

const QString kUndefined = QStringLiteral("\u2013");

// storage/run_format's percentage (as the CLI prints it), with its unit; a dash when undefined.
QString percent(const std::optional<double>& value, bool signed_value) {
  if (!value || !std::isfinite(*value)) return kUndefined;
  return QString::fromStdString(store::format_percent(value, signed_value)) + QStringLiteral(" %");
}

const StrategyTraits* traitsOf(const RunTrace& trace) {
  return find_strategy_traits(trace.strategy.toStdString());
}

// The finished stages without a training step, when others have them: a strategy sharing
// experts reuses the adapter an earlier run trained for the same task (replay's and oracle's
// first stage is seq-lora's), and a curve that starts at stage 2 should say so.
QString missingStagesNote(const RunTrace& trace, const QStringList& stage_labels) {
  if (trace.points.isEmpty()) return {};  // the empty sentence says it
  QSet<int> trained;
  for (const TracePoint& point : trace.points) trained.insert(point.stage);
  QStringList missing;
  for (int stage = 1; stage <= trace.stages_finished; ++stage)
    if (!trained.contains(stage))
      missing << QStringLiteral("%1 %2").arg(stage).arg(stage_labels.value(stage - 1));
  if (missing.isEmpty()) return {};
  const StrategyTraits* traits = traitsOf(trace);
  const bool shared =
      traits != nullptr && (traits->trains_experts || traits->first_stage_is_expert);
  const QString stages =
      (missing.size() == 1 ? RunPlots::tr("stage %1") : RunPlots::tr("stages %1"))
          .arg(missing.join(QStringLiteral(", ")));
  return shared ? RunPlots::tr("%1: trained by an earlier run (shared expert)").arg(stages)
                : RunPlots::tr("%1: no steps recorded").arg(stages);
}

}  // namespace

RunPlots::RunPlots(QWidget* parent)
    : QWidget(parent),
      loss_(new LossPlot),
      retention_(new RetentionPlot),
      scores_(new MatrixHeatmap),
      confusion_(new MatrixHeatmap),
      confusion_panel_(new QWidget),
      slider_(new QSlider(Qt::Horizontal)),
      slider_label_(new QLabel),
      summary_(new QLabel(summaryText({}))),
      pages_(new QStackedWidget),
      empty_(new QLabel) {
  frames_ = new FrameCoalescer(this);
  connect(frames_, &FrameCoalescer::frame, this, &RunPlots::refresh);
  // The one coalescing layer: the frame rebuilds the plots' data (refresh), then its draw phase
  // replots each plot that changed, once.
  for (QCustomPlot* plot : {loss_->plot(), retention_->plot(), scores_->plot(), confusion_->plot()})
    FrameReplot::of(plot)->setFrames(frames_);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  summary_->setToolTip(
      tr("AP: mean final score over all tasks.\n"
         "forgetting: mean over all but the last task of (best score since the task was "
         "learned \u2212 final score), as most libraries compute Chaudhry et al. 2018.\n"
         "BWT: mean over all but the last task of (final score \u2212 score right after "
         "learning it).\n"
         "FWT: mean over all but the first task of (score before its stage \u2212 base "
         "score).\n"
         "router accuracy: the switch's share of test prompts sent to the right adapter, "
         "after the last stage."));

  scores_->setColorRange(0, 100);
  scores_->setColorScaleLabel(tr("score (%)"));
  scores_->setAxisLabels(tr("after stage"), tr("task"));
  confusion_->setColorScaleLabel(tr("test prompts"));
  confusion_->setAxisLabels(tr("true task"), tr("predicted task"));

  // The confusion heatmap with its stage picker; hidden for runs without a router.
  slider_->setPageStep(1);
  slider_->setTickPosition(QSlider::TicksBelow);
  slider_->setRange(0, 0);
  auto* picker = new QHBoxLayout;
  picker->addWidget(new QLabel(tr("Router after stage")));
  picker->addWidget(slider_, 1);
  picker->addWidget(slider_label_);
  auto* panel_layout = new QVBoxLayout(confusion_panel_);
  panel_layout->setContentsMargins(0, 0, 0, 0);
  panel_layout->addWidget(confusion_, 1);
  panel_layout->addLayout(picker);
  confusion_panel_->setVisible(false);
  connect(slider_, &QSlider::valueChanged, this, &RunPlots::showConfusion);

  // Splitters, so that the user can give room to the plot they look at.
  auto* top = new QSplitter(Qt::Horizontal);
  top->addWidget(loss_);
  top->addWidget(retention_);
  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(scores_);
  bottom->addWidget(confusion_panel_);
  auto* rows = new QSplitter(Qt::Vertical);
  rows->addWidget(top);
  rows->addWidget(bottom);
  for (QSplitter* splitter : {top, bottom, rows}) splitter->setChildrenCollapsible(false);
  auto* shown = new QWidget;
  auto* layout = new QVBoxLayout(shown);
  layout->addWidget(summary_);
  layout->addWidget(rows, 1);
  style_empty_sentence(empty_);
  pages_->addWidget(shown);
  pages_->addWidget(empty_);
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(pages_);
  showEmpty(
      tr("No run shown yet.\n\nSelect a run in the list, or open an experiment "
         "(Ctrl+O) and run it (Ctrl+R): its plots appear here as it trains."));
}

void RunPlots::showEmpty(const QString& sentence) {
  frames_->cancel();
  source_ = nullptr;
  dirty_ = false;
  trace_ = RunTrace();
  empty_->setText(sentence);
  pages_->setCurrentWidget(empty_);
}

QString RunPlots::emptyText() const {
  return pages_->currentWidget() == empty_ ? empty_->text() : QString();
}

void RunPlots::setTrace(const RunTrace& trace) {
  pages_->setCurrentIndex(0);
  source_ = nullptr;
  trace_ = trace;
  dirty_ = true;
  // However many events arrive, the plots are rebuilt and replotted at most once per frame.
  frames_->request();
}

void RunPlots::followTrace(std::function<const RunTrace*()> source) {
  setTrace(RunTrace());
  source_ = std::move(source);
}

void RunPlots::traceChanged() {
  dirty_ = true;
  frames_->request();
}

void RunPlots::setScoreColorRange(double lower, double upper) {
  scores_->setColorRange(lower, upper);
}

QStringList RunPlots::stageLabels(const RunTrace& trace) {
  const StrategyTraits* traits = traitsOf(trace);
  if (traits != nullptr && traits->stages == StageRule::One) return {tr("all tasks")};
  return trace.tasks;
}

void RunPlots::scoreMatrixPercent(const RunTrace& trace, QVector<QVector<double>>* values,
                                  QStringList* rows) {
  const QStringList stages = stageLabels(trace);
  values->clear();
  rows->clear();
  for (int i = 0; i < trace.scores.size(); ++i) {
    QVector<double> row;
    row.reserve(trace.scores[i].size());
    for (double v : trace.scores[i]) row.append(100 * v);
    values->append(row);
    const QString stage = stages.value(i - 1);
    *rows << (i == 0            ? tr("0 (base)")
              : stage.isEmpty() ? QString::number(i)
                                : tr("%1 %2").arg(i).arg(stage));
  }
}

QString RunPlots::summaryText(const RunSummary& summary) {
  const QString separator = QStringLiteral("  \u00b7  ");
  return QStringList{tr("AP %1").arg(percent(summary.ap, false)),
                     tr("forgetting %1").arg(percent(summary.forgetting, false)),
                     tr("BWT %1").arg(percent(summary.bwt, true)),
                     tr("FWT %1").arg(percent(summary.fwt, true)),
                     tr("router accuracy %1").arg(percent(summary.router_accuracy, false))}
      .join(separator);
}

void RunPlots::refresh() {
  if (!dirty_) return;
  dirty_ = false;
  if (source_) {
    const RunTrace* followed = source_();
    if (followed == nullptr) return;
    trace_ = *followed;  // a share, let go of below before the next event appends
  }
  stage_labels_ = stageLabels(trace_);
  tasks_ = trace_.tasks;

  // Each plot skips the work when its part of the trace did not change.
  // Strategies that train per-task experts share them (oracle, switchcit): the run that came
  // second trained nothing itself.
  QString empty;
  if (trace_.points.isEmpty() && trace_.stages_finished > 0) {
    const StrategyTraits* traits = traitsOf(trace_);
    empty = traits != nullptr && traits->trains_experts
                ? tr("No training steps in this run: its experts were trained\nby an earlier "
                     "run of the experiment with the same settings.")
                : tr("No training steps recorded.");
  }
  loss_->setEmptyText(empty);
  loss_->setNote(missingStagesNote(trace_, stage_labels_));
  loss_->setRun(trace_.id > 0 ? QString::number(trace_.id) : trace_.key, run_color(trace_.id));
  loss_->setPoints(trace_.points, stage_labels_);
  retention_->setScores(trace_.scores, tasks_, stage_labels_);

  QVector<QVector<double>> percent_scores;
  QStringList rows;
  scoreMatrixPercent(trace_, &percent_scores, &rows);
  scores_->setMatrix(percent_scores, rows, tasks_, QStringLiteral("%.1f"));

  confusions_ = trace_.confusions;
  const QList<int> stages = confusions_.keys();
  if (stages != confusion_stages_) {
    // Follow the newest stage while the user has not looked back at an earlier one.
    const bool at_newest = slider_->value() == slider_->maximum();
    confusion_stages_ = stages;
    const QSignalBlocker block(slider_);
    slider_->setRange(0, std::max(0, int(stages.size()) - 1));
    if (at_newest) slider_->setValue(slider_->maximum());
  }
  confusion_panel_->setVisible(!confusion_stages_.isEmpty());
  showConfusion();

  summary_->setText(summaryText(trace_.summary));
  // Let go of the trace: holding a share of its points would make the caller's next append
  // copy all of them.
  trace_ = RunTrace();
}

void RunPlots::showConfusion() {
  const int index = slider_->value();
  if (index < 0 || index >= confusion_stages_.size()) {
    slider_label_->clear();
    confusion_->setMatrix({}, {}, {}, QStringLiteral("%.0f"));
    return;
  }
  const int stage = confusion_stages_[index];
  const QVector<QVector<int64_t>>& counts = confusions_[stage];
  QVector<QVector<double>> values;
  for (const QVector<int64_t>& row : counts) {
    QVector<double> cells;
    for (int64_t count : row) cells.append(double(count));
    values.append(cells);
  }
  // The router knows the tasks seen so far, in sequence order.
  const QStringList labels = tasks_.mid(0, counts.size());
  confusion_->setMatrix(values, labels, labels, QStringLiteral("%.0f"));
  const QString task = stage_labels_.value(stage - 1);
  slider_label_->setText(task.isEmpty() ? QString::number(stage)
                                        : tr("%1 (%2)").arg(stage).arg(task));
}

}  // namespace sy::ui
