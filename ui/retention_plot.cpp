// RetentionPlot: each task's score after each stage; see retention_plot.h.
#include "ui/retention_plot.h"

#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QVBoxLayout>

#include "ui/custom_plot.h"
#include "ui/plot_export.h"

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

QString short_label(const QString& text) {
  constexpr int kMax = 16;  // longer task names would make the stage ticks collide
  return text.size() <= kMax ? text : text.left(kMax - 1) + QChar(0x2026);
}

}  // namespace

QColor RetentionPlot::taskColor(int task) {
  static const QColor kPalette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e),
                                    QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
                                    QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                                    QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f),
                                    QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf)};
  constexpr int kCount = int(sizeof(kPalette) / sizeof(kPalette[0]));
  return kPalette[((task % kCount) + kCount) % kCount];
}

RetentionPlot::RetentionPlot(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
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
  plot_->xAxis->grid()->setPen(QPen(QColor(150, 150, 150), 0, Qt::DashLine));

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

  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(plot_, &QWidget::customContextMenuRequested, this, &RetentionPlot::showContextMenu);
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

  int columns = int(tasks.size());
  for (const QVector<double>& row : scores) columns = std::max(columns, int(row.size()));
  const int rows = int(scores.size());

  // A handful of graphs with a handful of points: rebuilding them is cheaper than tracking them.
  plot_->clearGraphs();
  for (int j = 0; j < columns; ++j) {
    QCPGraph* graph = plot_->addGraph();
    graph->setName(tasks.value(j, tr("task %1").arg(j + 1)));
    const QColor color = taskColor(j);
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

  // One tick per stage boundary: row i of the matrix is "after stage i".
  const int last = std::max(rows - 1, int(labels.size()));
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  ticker->addTick(0, tr("0 (base)"));
  for (int k = 1; k <= last; ++k) {
    const QString name = labels.value(k - 1);
    ticker->addTick(
        k, name.isEmpty() ? QString::number(k) : tr("%1 %2").arg(k).arg(short_label(name)));
  }
  plot_->xAxis->setTicker(ticker);
  plot_->xAxis->setTickLabelRotation(last > 4 ? 30 : 0);
  plot_->xAxis->setRange(-0.25, std::max(last, 1) + 0.25);
  plot_->replot(QCustomPlot::rpQueuedReplot);
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
