// LossPlot: the training curve of one run; see loss_plot.h.
#include "ui/loss_plot.h"

#include <QDir>
#include <QFileDialog>
#include <QFontMetrics>
#include <QMenu>
#include <QMessageBox>
#include <QVBoxLayout>

#include "ui/custom_plot.h"
#include "ui/plot_export.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace sy::ui {

namespace {

const QColor kLossColor(0x1f, 0x77, 0xb4);  // tab10 blue, as the first task in other plots
const QColor kLossFaint(0xb4, 0xd0, 0xe6);  // kLossColor at 30 % over white

// One step of the debiased EMA; returns the value to draw (NaN for a non-finite input).
double ema_step(double& average, double& decay, double x, double weight) {
  if (!std::isfinite(x)) return qQNaN();
  average = weight * average + (1 - weight) * x;
  decay *= weight;
  return average / (1 - decay);
}

bool same_point(const TracePoint& a, const TracePoint& b) {
  const bool same_loss = a.loss == b.loss || (std::isnan(a.loss) && std::isnan(b.loss));
  return a.stage == b.stage && a.step == b.step && same_loss;
}

// Renders like QCustomPlot::toPixmap (what savePng uses) but fast for a million points.
// toPixmap paints in pmNoCaching mode, which also turns off phFastPolylines, and at 2x every
// line is a 2-pixel stroke: Qt then strokes the sampled polyline as one path, which took a
// minute. Here the fast polylines stay on; what pmNoCaching is for (no cached tick labels, which
// would be blurry at 2x) comes from turning label caching off while drawing.
class ExportPlot : public QCustomPlot {
 public:
  using QCustomPlot::QCustomPlot;

  QImage render(const QSize& size, double scale) {
    QPixmap pixmap(qRound(scale * size.width()), qRound(scale * size.height()));
    const bool solid = mBackgroundBrush.style() == Qt::SolidPattern;
    pixmap.fill(solid ? mBackgroundBrush.color() : QColor(Qt::transparent));
    const QCP::PlottingHints hints = plottingHints();
    setPlottingHint(QCP::phCacheLabels, false);
    const QRect screen_viewport = viewport();
    setViewport(QRect(QPoint(0, 0), size));
    QCPPainter painter(&pixmap);
    if (scale > 1) painter.setMode(QCPPainter::pmNonCosmetic);  // hairlines scale too
    painter.scale(scale, scale);
    if (!solid && mBackgroundBrush.style() != Qt::NoBrush)
      painter.fillRect(viewport(), mBackgroundBrush);
    draw(&painter);
    painter.end();
    setViewport(screen_viewport);
    setPlottingHints(hints);
    replot(rpQueuedReplot);  // the layout was computed for the export's size
    QImage image = pixmap.toImage();
    const int dots_per_meter = qRound(96 / 0.0254);  // savePng's default resolution
    image.setDotsPerMeterX(dots_per_meter);
    image.setDotsPerMeterY(dots_per_meter);
    return image;
  }
};

}  // namespace

// A stage's label at the bottom of its stretch of the step axis: whole ("3 count") where it fits
// before the next stage's boundary, else the stage number alone, so that the labels of short
// stages (or of a narrow plot) never run into each other. Decided while drawing, when the axis
// has its final size, in screen and export alike.
class StageLabel : public QCPItemText {
 public:
  StageLabel(QCustomPlot* plot, QString full, QString brief)
      : QCPItemText(plot), full_(std::move(full)), brief_(std::move(brief)) {
    setText(full_);
  }
  // Where the next stage begins, in steps; infinite while this is the last stage.
  void setEnd(double x) { end_ = x; }

 protected:
  void draw(QCPPainter* painter) override {
    const double left = position->pixelPosition().x();
    const double right =
        std::isfinite(end_) ? position->keyAxis()->coordToPixel(end_) : double(clipRect().right());
    const int needed =
        QFontMetrics(mainFont()).horizontalAdvance(full_) + mPadding.left() + mPadding.right();
    mText = needed <= right - left ? full_ : brief_;
    QCPItemText::draw(painter);
  }

 private:
  QString full_, brief_;
  double end_ = qInf();
};

LossPlot::LossPlot(QWidget* parent)
    : QWidget(parent),
      plot_(new ExportPlot(this)),
      raw_(plot_->addGraph()),
      smoothed_(plot_->addGraph()) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->setMinimumSize(240, 180);

  plot_->xAxis->setLabel(tr("step"));
  plot_->yAxis->setLabel(tr("loss"));
  plot_->xAxis->setRange(0, 1);
  plot_->yAxis->setRange(0, 1);
  // The legend goes in a row above the axis rect, flush right: inside it would cover the start
  // of the newest stage, where the loss is high and the user is looking during a run.
  plot_->legend->setVisible(true);
  plot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
  plot_->legend->setBorderPen(Qt::NoPen);
  auto* top = new QCPLayoutGrid;
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, top);
  plot_->plotLayout()->setRowStretchFactor(0, 0.001);
  top->addElement(0, 0, new QCPLayoutElement(plot_));
  top->addElement(0, 1, plot_->legend);
  top->setColumnStretchFactor(1, 0.001);
  raw_->setName(tr("loss"));
  // A million points stay fast only if QCustomPlot draws a few points per pixel column.
  raw_->setAdaptiveSampling(true);
  // Draw polylines as segments: Qt strokes a wide (the smoothed curve) polyline as one path,
  // which took seconds for a million sampled points instead of tens of milliseconds.
  plot_->setPlottingHint(QCP::phFastPolylines, true);
  smoothed_->setAdaptiveSampling(true);
  smoothed_->setPen(QPen(kLossColor.darker(130), 1.5));
  applyStyle();

  // Drag and zoom the way QCustomPlot users expect; the plot stops following new data while the
  // user looks at a part of it, and a double-click returns to following.
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  connect(plot_, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { auto_range_ = false; });
  connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    if (event->buttons() & Qt::LeftButton) auto_range_ = false;
  });
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
    auto_range_ = true;
    applyRange();
    plot_->replot(QCustomPlot::rpQueuedReplot);
  });
  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(plot_, &QWidget::customContextMenuRequested, this, &LossPlot::showContextMenu);

  empty_text_ = new QCPItemText(plot_);
  empty_text_->position->setType(QCPItemPosition::ptAxisRectRatio);
  empty_text_->position->setCoords(0.5, 0.5);
  empty_text_->setPositionAlignment(Qt::AlignCenter);
  empty_text_->setTextAlignment(Qt::AlignCenter);
  empty_text_->setColor(Qt::darkGray);
  empty_text_->setClipToAxisRect(false);
  empty_text_->setVisible(false);
}

void LossPlot::setEmptyText(const QString& text) {
  if (text == empty_text_->text()) return;
  empty_text_->setText(text);
  empty_text_->setVisible(!text.isEmpty() && count_ == 0);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString LossPlot::emptyText() const {
  return empty_text_->visible() ? empty_text_->text() : QString();
}

QVector<double> LossPlot::smooth(const QVector<double>& values, double weight) {
  QVector<double> out;
  out.reserve(values.size());
  double average = 0, decay = 1;
  for (double x : values) out.append(ema_step(average, decay, x, weight));
  return out;
}

void LossPlot::setPoints(const QVector<TracePoint>& points, const QStringList& stageLabels) {
  const bool same_labels = stageLabels == stage_labels_;
  if (same_labels && count_ == 0 && points.isEmpty()) return;
  // The live case: the same run with more points. Checking the first and the last known point
  // is enough because points are ordered by (stage, step) and a restarted stage replaces its
  // points (a rerun that reproduces them exactly draws the same curve anyway).
  const bool extends = same_labels && count_ > 0 && points.size() >= count_ &&
                       same_point(points.front(), first_) && same_point(points[count_ - 1], last_);
  if (extends && points.size() == count_) return;
  const int from = extends ? count_ : 0;
  if (!extends) reset();
  stage_labels_ = stageLabels;
  appendFrom(points, from);
  smoothFrom(from);
  count_ = int(points.size());
  if (count_ > 0) {
    first_ = points.front();
    last_ = points.back();
  }
  applyRange();
  empty_text_->setVisible(!empty_text_->text().isEmpty() && count_ == 0);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LossPlot::setSmoothing(double weight) {
  weight = std::clamp(weight, 0.0, 0.99);
  if (weight == smoothing_) return;
  smoothing_ = weight;
  smoothed_->data()->clear();
  smoothFrom(0);
  applyStyle();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LossPlot::reset() {
  raw_->data()->clear();
  smoothed_->data()->clear();
  for (const StageMark& mark : marks_) {
    if (mark.line) plot_->removeItem(mark.line);
    plot_->removeItem(mark.label);
  }
  marks_.clear();
  count_ = 0;
  stage_ = -1;
  offset_ = 0;
  stage_max_step_ = 0;
  sorted_ = true;
  has_y_ = false;
  ema_ = Ema{};
}

void LossPlot::appendFrom(const QVector<TracePoint>& points, int from) {
  if (from >= points.size()) return;
  QVector<QCPGraphData> out;
  out.reserve(points.size() - from);
  double last_x = raw_->data()->isEmpty() ? -qInf() : (raw_->data()->constEnd() - 1)->key;
  for (int i = from; i < points.size(); ++i) {
    const TracePoint& p = points[i];
    if (p.stage != stage_) {
      if (stage_ != -1) offset_ += double(stage_max_step_);
      stage_ = p.stage;
      stage_max_step_ = 0;
      addStageMark(p.stage, i, offset_);
    }
    stage_max_step_ = std::max(stage_max_step_, p.step);
    const double x = offset_ + double(p.step);
    if (x <= last_x) sorted_ = false;  // against the RunTrace contract; let QCustomPlot sort
    last_x = x;
    if (std::isfinite(p.loss)) {
      y_min_ = has_y_ ? std::min(y_min_, p.loss) : p.loss;
      y_max_ = has_y_ ? std::max(y_max_, p.loss) : p.loss;
      has_y_ = true;
    }
    out.append(QCPGraphData(x, p.loss));
  }
  // Bulk insertion of sorted data: one allocation, no per-point search.
  if (from == 0)
    raw_->data()->set(out, sorted_);
  else
    raw_->data()->add(out, sorted_);
}

void LossPlot::smoothFrom(int from) {
  if (smoothing_ <= 0) return;
  const auto data = raw_->data();
  const int n = data->size();
  if (from == 0) ema_ = Ema{};
  if (from >= n) return;
  int next_mark = 0;
  while (next_mark < marks_.size() && marks_[next_mark].index < from) ++next_mark;
  QVector<QCPGraphData> out;
  out.reserve(n - from);
  auto it = data->constBegin() + from;
  for (int i = from; i < n; ++i, ++it) {
    // Each stage starts its own average: a new task's loss jumps, and smoothing across the
    // boundary would draw a slope that never happened.
    if (next_mark < marks_.size() && marks_[next_mark].index == i) {
      ema_ = Ema{};
      ++next_mark;
    }
    out.append(QCPGraphData(it->key, ema_step(ema_.average, ema_.decay, it->value, smoothing_)));
  }
  if (from == 0)
    smoothed_->data()->set(out, sorted_);
  else
    smoothed_->data()->add(out, sorted_);
}

void LossPlot::addStageMark(int stage, int index, double x) {
  StageMark mark;
  mark.stage = stage;
  mark.index = index;
  // Between the previous stage's last step and this stage's first.
  const double at = x + 0.5;
  if (index > 0) {
    mark.line = new QCPItemStraightLine(plot_);
    mark.line->point1->setCoords(at, 0);
    mark.line->point2->setCoords(at, 1);
    mark.line->setPen(QPen(QColor(120, 120, 120), 1, Qt::DashLine));
  }
  const QString task = stage_labels_.value(stage - 1);
  mark.label = new StageLabel(
      plot_, task.isEmpty() ? tr("stage %1").arg(stage) : tr("%1 %2").arg(stage).arg(task),
      QString::number(stage));
  if (!marks_.isEmpty()) marks_.last().label->setEnd(at);
  mark.label->position->setTypeX(QCPItemPosition::ptPlotCoords);
  mark.label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  // At the bottom, right of the boundary: a new stage starts with a high loss, so that corner
  // is empty.
  mark.label->position->setCoords(at, 1);
  mark.label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
  mark.label->setPadding(QMargins(4, 2, 4, 2));
  mark.label->setColor(QColor(90, 90, 90));
  marks_.append(mark);
}

void LossPlot::applyRange() {
  if (!auto_range_) return;
  const double x_end = offset_ + double(stage_max_step_);  // the last step drawn; 0 when empty
  plot_->xAxis->setRange(0, std::max(x_end, 1.0) + 0.5);
  if (!has_y_) {
    plot_->yAxis->setRange(0, 1);
    return;
  }
  const double span = y_max_ - y_min_;
  const double pad = span > 0 ? 0.05 * span : std::max(0.5, 0.1 * std::abs(y_max_));
  // Room below the curve for the stage labels.
  plot_->yAxis->setRange(y_min_ - 2.5 * pad, y_max_ + pad);
}

void LossPlot::applyStyle() {
  // Faint under the smoothed curve: a light opaque tint rather than alpha, so that the segments
  // of the fast polylines do not darken where they meet.
  raw_->setPen(QPen(smoothing_ > 0 ? kLossFaint : kLossColor, 1));
  smoothed_->setVisible(smoothing_ > 0);
  smoothed_->setName(tr("smoothed (%1)").arg(smoothing_, 0, 'f', 2));
  if (smoothing_ > 0)
    smoothed_->addToLegend();
  else
    smoothed_->removeFromLegend();
}

QSize LossPlot::exportSize() const {
  return export_size(plot_);
}

bool LossPlot::exportPng(const QString& path) {
  const QImage image = static_cast<ExportPlot*>(plot_)->render(exportSize(), 2.0);
  return !image.isNull() && image.save(path, "PNG");
}

bool LossPlot::exportPdf(const QString& path) {
  return save_pdf(plot_, path);
}

void LossPlot::showContextMenu(const QPoint& pos) {
  show_export_menu(
      this, plot_, pos, [this](const QString& path) { return exportPng(path); },
      [this](const QString& path) { return exportPdf(path); });
}

}  // namespace sy::ui
