// RetentionPlot: each task's score after each stage; see retention_plot.h.
#include "ui/retention_plot.h"

#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "ui/custom_plot.h"
#include "ui/frame_replot.h"
#include "ui/plot_export.h"
#include "ui/plot_style.h"
#include "ui/run_color.h"
#include "ui/tick_labels.h"

#include <algorithm>
#include <cmath>

namespace sy::ui {

namespace {

// NaN-aware, since NaN marks cells that are not evaluated yet.
bool same_matrix(const QVector<QVector<double>>& a, const QVector<QVector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (int j = 0; j < a[i].size(); ++j) {
      const double x = a[i][j], y = b[i][j];
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
  }
  return true;
}

constexpr double kYPad = 4;  // % beyond 0..100 on the y axis

}  // namespace

QColor RetentionPlot::taskColor(int task) {
  return task_color(task);
}

RetentionPlot::RetentionPlot(QWidget* parent)
    : QWidget(parent), plot_(new QCustomPlot), pages_(new QStackedWidget), empty_(new QLabel) {
  // A sentence instead of empty axes until the base model's scores arrive.
  empty_->setText(
      tr("No scores yet: each task's score appears here once the base model has "
         "been evaluated, and again after every stage."));
  style_empty_sentence(empty_);
  pages_->addWidget(plot_);
  pages_->addWidget(empty_);
  pages_->setCurrentWidget(empty_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);
  plot_->setMinimumSize(240, 180);

  plot_->xAxis->setLabel(tr("after stage"));
  plot_->yAxis->setLabel(tr("score (%)"));
  // 0..100 with a little room, so that the markers of scores of 0 % (common for the base model)
  // and 100 % are not cut in half by the axis rect; the ticks stay on 0, 20, ..., 100.
  plot_->yAxis->setRange(-kYPad, 100 + kYPad);
  QSharedPointer<QCPAxisTickerFixed> y_ticker(new QCPAxisTickerFixed);
  y_ticker->setTickStep(20);
  y_ticker->setScaleStrategy(QCPAxisTickerFixed::ssNone);
  plot_->yAxis->setTicker(y_ticker);
  plot_->xAxis->setRange(-0.25, 1.25);
  plot_->xAxis->grid()->setPen(QPen(Qt::gray, 0, Qt::DashLine));  // coloured by the palette

  // The legend sits right of the axis rect: inside it would hide the base row (low scores at
  // the left) or the trained tasks (high scores at the right). The empty element below the
  // legend takes the spare height so that the legend keeps its natural size at the top.
  plot_->legend->setVisible(true);
  auto* side = new QCPLayoutGrid;
  plot_->plotLayout()->addElement(0, 1, side);
  side->addElement(0, 0, plot_->legend);
  side->addElement(1, 0, new QCPLayoutElement(plot_));
  side->setRowStretchFactor(0, 0.001);
  side->setMargins(QMargins(0, 6, 6, 0));
  plot_->plotLayout()->setColumnStretchFactor(1, 0.001);

  make_legend_toggle(plot_);
  // The room per stage is known once the plot is laid out.
  connect(plot_, &QCustomPlot::afterLayout, this, &RetentionPlot::fitStageLabels);
  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(plot_, &QWidget::customContextMenuRequested, this, &RetentionPlot::showContextMenu);
  apply_plot_palette(plot_, plot_palette(palette()));
}

void RetentionPlot::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange) {
    apply_plot_palette(plot_, plot_palette(palette()));
    request_replot(plot_);
  }
  QWidget::changeEvent(event);
}

QString RetentionPlot::emptyText() const {
  return pages_->currentWidget() == empty_ ? empty_->text() : QString();
}

void RetentionPlot::fitStageLabels() {
  if (full_ticks_.isEmpty()) return;
  const double spacing = plot_->axisRect()->width() / plot_->xAxis->range().size();
  const TickLabels fit =
      fit_tick_labels(full_ticks_, brief_ticks_, spacing, plot_->xAxis->tickLabelFont());
  if (fit.labels == shown_ticks_ && fit.rotation == shown_rotation_) return;
  shown_ticks_ = fit.labels;
  shown_rotation_ = fit.rotation;
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (int k = 0; k < fit.labels.size(); ++k) ticker->addTick(k, fit.labels[k]);
  plot_->xAxis->setTicker(ticker);
  plot_->xAxis->setTickLabelRotation(fit.rotation);
  // The axis needs another height for slanted labels: lay out again, in this same replot.
  relayout(plot_);
}

void RetentionPlot::setScores(const QVector<QVector<double>>& scores, const QStringList& tasks,
                              const QStringList& stageLabels) {
  const QStringList labels = stageLabels.isEmpty() ? tasks : stageLabels;
  if (has_data_ && tasks == tasks_ && labels == stage_labels_ && same_matrix(scores, scores_))
    return;
  scores_ = scores;
  tasks_ = tasks;
  stage_labels_ = labels;
  has_data_ = true;
  pages_->setCurrentWidget(scores.isEmpty() ? static_cast<QWidget*>(empty_) : plot_);

  int columns = int(tasks.size());
  for (const QVector<double>& row : scores) columns = std::max(columns, int(row.size()));
  const int rows = int(scores.size());

  // A handful of graphs with a handful of points: rebuilding them is cheaper than tracking them.
  plot_->clearGraphs();
  for (int j = 0; j < columns; ++j) {
    QCPGraph* graph = plot_->addGraph();
    graph->setName(tasks.value(j, tr("task %1").arg(j + 1)));
    const QColor color = task_color(j);
    graph->setPen(QPen(color, 2));
    // Markers, so that a score between two unevaluated cells (no line) still shows.
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 6));
    QVector<double> x(rows), y(rows);
    for (int i = 0; i < rows; ++i) {
      x[i] = i;
      // NaN stays NaN: QCustomPlot leaves a gap there instead of drawing a drop to 0.
      y[i] = j < scores[i].size() ? 100.0 * scores[i][j] : qQNaN();
    }
    graph->setData(x, y, true);
  }

  // One tick per stage boundary: row i of the matrix is "after stage i". Whole labels first;
  // fitStageLabels slants or shortens them once the room per stage is known.
  const int last = std::max(rows - 1, int(labels.size()));
  full_ticks_ = {tr("0 (base)")};
  brief_ticks_ = {QStringLiteral("0")};
  for (int k = 1; k <= last; ++k) {
    const QString name = labels.value(k - 1);
    full_ticks_ << (name.isEmpty() ? QString::number(k) : tr("%1 %2").arg(k).arg(name));
    brief_ticks_ << QString::number(k);
  }
  shown_ticks_ = full_ticks_;
  shown_rotation_ = 0;
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (int k = 0; k < full_ticks_.size(); ++k) ticker->addTick(k, full_ticks_[k]);
  plot_->xAxis->setTicker(ticker);
  plot_->xAxis->setTickLabelRotation(0);
  plot_->xAxis->setRange(-0.25, std::max(last, 1) + 0.25);
  request_replot(plot_);
}

QSize RetentionPlot::exportSize() const {
  return export_size(plot_);
}

bool RetentionPlot::exportPng(const QString& path) {
  return save_png(plot_, path);
}

bool RetentionPlot::exportPdf(const QString& path) {
  return save_pdf(plot_, path);
}

void RetentionPlot::showContextMenu(const QPoint& pos) {
  show_export_menu(
      this, plot_, pos, [this](const QString& path) { return exportPng(path); },
      [this](const QString& path) { return exportPdf(path); });
}

}  // namespace sy::ui
