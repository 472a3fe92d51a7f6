// LossPlot: the training curve of one run; see loss_plot.h.
#include "ui/loss_plot.h"

#include <QAction>
#include <QFontMetrics>
#include <QKeyEvent>
#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "storage/run_format.h"
#include "ui/custom_plot.h"
#include "ui/frame_replot.h"
#include "ui/key_bindings.h"
#include "ui/line_plot_controls.h"
#include "ui/plot_export.h"
#include "ui/plot_style.h"
#include "ui/run_color.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace sy::ui {

namespace {

// TensorBoard's default weight: what a user of it sees first.
constexpr double kDefaultSmoothing = 0.6;

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
    request_replot(this);  // the layout was computed for the export's size
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
      plot_(new ExportPlot),
      controls_(new LinePlotControls),
      pages_(new QStackedWidget),
      empty_label_(new QLabel),
      note_(new QLabel),
      color_(run_color(0)),
      raw_(plot_->addGraph()),
      smoothed_(plot_->addGraph()) {
  // A sentence instead of empty axes while there is nothing to draw: it says why, and what to do.
  style_empty_sentence(empty_label_);
  pages_->addWidget(plot_);
  pages_->addWidget(empty_label_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(controls_);
  note_->setObjectName(QStringLiteral("lossNote"));
  note_->setWordWrap(true);
  note_->setEnabled(false);  // the palette's disabled text: a remark, not a control
  note_->hide();
  layout->addWidget(note_);
  layout->addWidget(pages_, 1);
  plot_->setMinimumSize(240, 180);
  connect(controls_, &LinePlotControls::smoothingChanged, this, &LossPlot::setSmoothing);
  connect(controls_, &LinePlotControls::logYChanged, this, &LossPlot::setLogY);
  connect(controls_, &LinePlotControls::xAxisChanged, this, &LossPlot::setXAxis);

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
  smoothed_->setName(tr("smoothed"));
  // A million points stay fast only if QCustomPlot draws a few points per pixel column.
  raw_->setAdaptiveSampling(true);
  // Draw polylines as segments: Qt strokes a wide (the smoothed curve) polyline as one path,
  // which took seconds for a million sampled points instead of tens of milliseconds.
  plot_->setPlottingHint(QCP::phFastPolylines, true);
  smoothed_->setAdaptiveSampling(true);
  make_legend_toggle(plot_);

  // The read-out under the cursor: a dot on the curve and the values beside it.
  tracer_ = new QCPItemTracer(plot_);
  tracer_->setStyle(QCPItemTracer::tsCircle);
  tracer_->setSize(7);
  tracer_->setInterpolating(false);
  tracer_->setVisible(false);
  hover_label_ = new QCPItemText(plot_);
  hover_label_->position->setType(QCPItemPosition::ptAbsolute);
  hover_label_->setTextAlignment(Qt::AlignLeft);
  hover_label_->setPadding(QMargins(5, 3, 5, 3));
  hover_label_->setClipToAxisRect(false);
  hover_label_->setVisible(false);
  hover_label_->setLayer(QStringLiteral("legend"));  // above the curves
  plot_->setMouseTracking(true);

  // Drag and zoom the way QCustomPlot users expect; the plot stops following new data while the
  // user looks at a part of it, and a double-click (or Home, or the menu) returns to following.
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setFocusPolicy(Qt::WheelFocus);
  plot_->installEventFilter(this);
  connect(plot_, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { auto_range_ = false; });
  connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    if (event->buttons() & Qt::LeftButton) {
      auto_range_ = false;
      hideHover();
    } else {
      hover(event->pos());
    }
  });
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(plot_, &QWidget::customContextMenuRequested, this, &LossPlot::showContextMenu);

  // TensorBoard's default, set through the controls so that they show it.
  controls_->setSmoothing(kDefaultSmoothing);
  setSmoothing(kDefaultSmoothing);
  applyPalette();
  showEmptyOrPlot();
}

void LossPlot::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange) applyPalette();
  QWidget::changeEvent(event);
}

bool LossPlot::eventFilter(QObject* watched, QEvent* event) {
  if (watched == plot_) {
    if (event->type() == QEvent::KeyPress &&
        key_matches(KeyBinding::ResetZoom, static_cast<QKeyEvent*>(event))) {
      resetView();
      return true;
    }
    if (event->type() == QEvent::Leave) hideHover();
  }
  return QWidget::eventFilter(watched, event);
}

void LossPlot::setRun(const QString& identity, const QColor& color) {
  if (color != color_) {
    color_ = color;
    applyStyle();
  }
  if (identity == run_) return;
  run_ = identity;
  // A zoom chosen for one run means nothing for another: its curve may lie outside it.
  resetView();
}

void LossPlot::resetView() {
  auto_range_ = true;
  applyRange();
  request_replot(plot_);
}

void LossPlot::setEmptyText(const QString& text) {
  if (text == empty_text_) return;
  empty_text_ = text;
  showEmptyOrPlot();
}

void LossPlot::setNote(const QString& text) {
  note_->setText(text);
  note_->setVisible(!text.isEmpty());
}

QString LossPlot::note() const {
  return note_->text();
}

QString LossPlot::emptyText() const {
  return pages_->currentWidget() == empty_label_ ? empty_label_->text() : QString();
}

void LossPlot::showEmptyOrPlot() {
  empty_label_->setText(empty_text_.isEmpty() ? tr("No training steps recorded yet.")
                                              : empty_text_);
  pages_->setCurrentWidget(count_ == 0 ? static_cast<QWidget*>(empty_label_) : plot_);
  controls_->setVisible(count_ > 0);  // nothing to smooth or scale: the sentence alone
}

QVector<double> LossPlot::smooth(const QVector<double>& values, double weight) {
  return debiased_ema(values, weight);
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
  {
    const QSignalBlocker block(controls_);  // what the plot can show, not the user's choice
    controls_->setWallTimeAvailable(
        has_times_, tr("This run's steps have no times: it was recorded before they were kept."));
    controls_->setXAxis(shownXAxis());
  }
  if (shownXAxis() != drawn_x_axis_) applyXAxis();  // a point without a time came, or times did
  applyRange();
  showEmptyOrPlot();
  request_replot(plot_);
}

void LossPlot::setSmoothing(double weight) {
  weight = std::clamp(weight, 0.0, 0.99);
  if (weight == smoothing_) return;
  smoothing_ = weight;
  smoothed_->data()->clear();
  smoothFrom(0);
  applyStyle();
  if (controls_->smoothing() != std::round(weight * 100) / 100) {
    const QSignalBlocker block(controls_);
    controls_->setSmoothing(weight);
  }
  request_replot(plot_);
}

void LossPlot::setLogY(bool log) {
  if (log == log_y_) return;
  log_y_ = log;
  plot_->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  plot_->yAxis->setTicker(log ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                              : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  if (controls_->logY() != log) {
    const QSignalBlocker block(controls_);
    controls_->setLogY(log);
  }
  // The range chosen for one scale is rarely right for the other.
  resetView();
}

XAxis LossPlot::shownXAxis() const {
  return x_axis_ == XAxis::WallTime && has_times_ ? XAxis::WallTime : XAxis::Step;
}

void LossPlot::setXAxis(XAxis axis) {
  x_axis_ = axis;
  if (shownXAxis() != drawn_x_axis_) applyXAxis();
  if (controls_->xAxis() != shownXAxis()) {
    const QSignalBlocker block(controls_);
    controls_->setXAxis(shownXAxis());
  }
}

void LossPlot::applyXAxis() {
  drawn_x_axis_ = shownXAxis();
  const bool time = drawn_x_axis_ == XAxis::WallTime;
  const QVector<double>& xs = time ? time_x_ : step_x_;
  // The same points in the same order (both x sequences grow with it): only the keys change.
  for (QCPGraph* graph : {raw_, smoothed_}) {
    QVector<QCPGraphData> out;
    out.reserve(graph->data()->size());
    int i = 0;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd() && i < xs.size();
         ++it, ++i)
      out.append(QCPGraphData(xs[i], it->value));
    graph->data()->set(out, sorted_);
  }
  plot_->xAxis->setLabel(time ? tr("wall time (h:mm:ss since the first step)") : tr("step"));
  set_step_or_time_ticker(plot_->xAxis, time);
  placeStageMarks();
  hideHover();
  // A range on one axis means nothing on the other.
  resetView();
}

void LossPlot::reset() {
  raw_->data()->clear();
  smoothed_->data()->clear();
  step_x_.clear();
  time_x_.clear();
  has_times_ = true;
  first_at_ms_ = 0;
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
  y_min_positive_ = 0;
  ema_ = DebiasedEma(smoothing_);
  hideHover();
}

void LossPlot::appendFrom(const QVector<TracePoint>& points, int from) {
  if (from >= points.size()) return;
  QVector<QCPGraphData> out;
  out.reserve(points.size() - from);
  double last_x = step_x_.isEmpty() ? -qInf() : step_x_.last();
  step_x_.reserve(points.size());
  time_x_.reserve(points.size());
  for (int i = from; i < points.size(); ++i) {
    const TracePoint& p = points[i];
    // Seconds since the run's first step; never backwards (a clock set back during a run), so
    // that both x sequences keep the points' order.
    if (p.at_ms <= 0) has_times_ = false;
    if (i == 0) first_at_ms_ = p.at_ms;
    const double previous_t = time_x_.isEmpty() ? 0 : time_x_.last();
    const double t = std::max(previous_t, double(p.at_ms - first_at_ms_) / 1000.0);
    if (p.stage != stage_) {
      if (stage_ != -1) offset_ += double(stage_max_step_);
      stage_ = p.stage;
      stage_max_step_ = 0;
      addStageMark(p.stage, i, offset_, t);
      marks_.last().offset = offset_;
    }
    stage_max_step_ = std::max(stage_max_step_, p.step);
    const double x = offset_ + double(p.step);
    if (x <= last_x) sorted_ = false;  // against the RunTrace contract; let QCustomPlot sort
    last_x = x;
    step_x_.append(x);
    time_x_.append(t);
    if (std::isfinite(p.loss)) {
      y_min_ = has_y_ ? std::min(y_min_, p.loss) : p.loss;
      y_max_ = has_y_ ? std::max(y_max_, p.loss) : p.loss;
      has_y_ = true;
      if (p.loss > 0)
        y_min_positive_ = y_min_positive_ > 0 ? std::min(y_min_positive_, p.loss) : p.loss;
    }
    out.append(QCPGraphData(drawn_x_axis_ == XAxis::WallTime ? t : x, p.loss));
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
  if (from == 0) ema_ = DebiasedEma(smoothing_);
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
      ema_.restart();
      ++next_mark;
    }
    out.append(QCPGraphData(it->key, ema_.next(it->value)));
  }
  if (from == 0)
    smoothed_->data()->set(out, sorted_);
  else
    smoothed_->data()->add(out, sorted_);
}

void LossPlot::addStageMark(int stage, int index, double step_x, double time_x) {
  StageMark mark;
  mark.stage = stage;
  mark.index = index;
  // Between the previous stage's last step and this stage's first; in wall time, at the first
  // step's time.
  mark.step_at = step_x + 0.5;
  mark.time_at = time_x;
  if (index > 0) mark.line = new QCPItemStraightLine(plot_);
  const QString task = stage_labels_.value(stage - 1);
  mark.label = new StageLabel(
      plot_, task.isEmpty() ? tr("stage %1").arg(stage) : tr("%1 %2").arg(stage).arg(task),
      QString::number(stage));
  mark.label->position->setTypeX(QCPItemPosition::ptPlotCoords);
  mark.label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  // At the bottom, right of the boundary: a new stage starts with a high loss, so that corner
  // is empty.
  mark.label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
  mark.label->setPadding(QMargins(4, 2, 4, 2));
  marks_.append(mark);
  placeStageMarks();
  applyPalette();  // the new line and label in the frame's colours
}

void LossPlot::placeStageMarks() {
  const bool time = drawn_x_axis_ == XAxis::WallTime;
  for (int k = 0; k < marks_.size(); ++k) {
    const StageMark& mark = marks_[k];
    const double at = time ? mark.time_at : mark.step_at;
    if (mark.line) {
      mark.line->point1->setCoords(at, 0);
      mark.line->point2->setCoords(at, 1);
    }
    mark.label->position->setCoords(at, 1);
    if (k > 0) marks_[k - 1].label->setEnd(at);
  }
}

void LossPlot::applyRange() {
  if (!auto_range_) return;
  // The last step (or its time) drawn; 0 when empty.
  const double x_end = drawn_x_axis_ == XAxis::WallTime ? (time_x_.isEmpty() ? 0.0 : time_x_.last())
                                                        : offset_ + double(stage_max_step_);
  plot_->xAxis->setRange(0, std::max(x_end, 1.0) + 0.5);
  if (!has_y_) {
    plot_->yAxis->setRange(log_y_ ? 0.1 : 0, 1);
    return;
  }
  if (log_y_) {
    // Decades rather than a linear pad; room below for the stage labels. A run whose losses
    // are all <= 0 has nothing a log axis can show: one decade around 1.
    const double low = y_min_positive_ > 0 ? y_min_positive_ : 1;
    const double high = std::max(y_max_, low);
    plot_->yAxis->setRange(low / 2.5, high * 1.25);
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
  const PlotPalette colors = plot_palette(palette());
  raw_->setPen(QPen(smoothing_ > 0 ? blend(color_, colors.background, 0.3) : color_, 1));
  smoothed_->setPen(QPen(color_, 1.5));
  tracer_->setPen(QPen(color_, 1.5));
  tracer_->setBrush(colors.background);
  smoothed_->setVisible(smoothing_ > 0);
  smoothed_->setName(tr("smoothed (%1)").arg(smoothing_, 0, 'f', 2));
  if (smoothing_ > 0)
    smoothed_->addToLegend();
  else
    smoothed_->removeFromLegend();
}

void LossPlot::applyPalette() {
  const PlotPalette colors = plot_palette(palette());
  apply_plot_palette(plot_, colors);
  for (const StageMark& mark : marks_) {
    if (mark.line) mark.line->setPen(QPen(colors.axis, 1, Qt::DashLine));
    mark.label->setColor(colors.faint_text);
  }
  hover_label_->setColor(colors.text);
  hover_label_->setBrush(QBrush(blend(colors.background, colors.text, 0.92)));
  hover_label_->setPen(QPen(colors.grid, 0));
  applyStyle();
  request_replot(plot_);
}

void LossPlot::hover(const QPoint& pos) {
  const auto data = raw_->data();
  if (data->isEmpty() || !plot_->axisRect()->rect().contains(pos)) {
    hideHover();
    return;
  }
  // The recorded step nearest to the cursor.
  const double key = plot_->xAxis->pixelToCoord(pos.x());
  auto it = data->findBegin(key, false);
  if (it == data->constEnd()) --it;
  if (it != data->constBegin() && std::abs((it - 1)->key - key) < std::abs(it->key - key)) --it;
  const int index = int(it - data->constBegin());
  const double x = it->key;
  const StageMark* mark = nullptr;
  for (const StageMark& m : marks_)
    if (m.index <= index) mark = &m;
  const double step_x = step_x_.value(index, x);
  QString where = tr("step %1").arg(qint64(std::llround(step_x)));
  if (mark) {
    const QString task = stage_labels_.value(mark->stage - 1);
    where = tr("step %1 \u00b7 stage %2")
                .arg(qint64(std::llround(step_x - mark->offset)))
                .arg(mark->stage);
    if (!task.isEmpty()) where += QLatin1Char(' ') + task;
  }
  if (drawn_x_axis_ == XAxis::WallTime)
    where = QString::fromStdString(store::format_duration(x)) + QStringLiteral(" \u00b7 ") + where;
  QStringList lines{where, tr("loss %1").arg(it->value, 0, 'g', 4)};
  const bool smoothed = smoothed_->visible() && index < smoothed_->data()->size();
  if (smoothed)
    lines << tr("smoothed %1").arg((smoothed_->data()->constBegin() + index)->value, 0, 'g', 4);
  tracer_->setGraph(smoothed ? smoothed_ : raw_);
  tracer_->setGraphKey(x);
  tracer_->setVisible(true);
  hover_label_->setText(lines.join(QLatin1Char('\n')));
  // Beside the cursor, on the side with room, so that it never leaves the plot.
  const QRect rect = plot_->axisRect()->rect();
  const bool right_half = pos.x() > rect.center().x();
  hover_label_->setPositionAlignment((right_half ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignTop);
  hover_label_->position->setCoords(pos.x() + (right_half ? -14 : 14), rect.top() + 6);
  hover_label_->setVisible(true);
  request_replot(plot_);
}

void LossPlot::hideHover() {
  if (!tracer_->visible() && !hover_label_->visible()) return;
  tracer_->setVisible(false);
  hover_label_->setVisible(false);
  request_replot(plot_);
}

QString LossPlot::hoverText() const {
  return hover_label_->visible() ? hover_label_->text() : QString();
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
  QAction reset(tr("Reset zoom"));
  reset.setShortcuts(key_binding(KeyBinding::ResetZoom).keys);
  reset.setEnabled(!auto_range_);
  connect(&reset, &QAction::triggered, this, &LossPlot::resetView);
  QAction log(tr("Log scale"));
  log.setCheckable(true);
  log.setChecked(log_y_);
  connect(&log, &QAction::toggled, this, &LossPlot::setLogY);
  show_export_menu(
      this, plot_, pos, [this](const QString& path) { return exportPng(path); },
      [this](const QString& path) { return exportPdf(path); }, {&reset, &log});
}

}  // namespace sy::ui
