// FrameReplot: one replot per plot per frame; see frame_replot.h.
#include "ui/frame_replot.h"

#include "ui/custom_plot.h"
#include "ui/frame_coalescer.h"

namespace sy::ui {

FrameReplot* FrameReplot::of(QCustomPlot* plot) {
  if (auto* existing = plot->findChild<FrameReplot*>(QString(), Qt::FindDirectChildrenOnly))
    return existing;
  return new FrameReplot(plot);
}

FrameReplot::FrameReplot(QCustomPlot* plot)
    : QObject(plot), plot_(plot), own_(new FrameCoalescer(this)), frames_(nullptr) {
  setFrames(nullptr);
}

void FrameReplot::setFrames(FrameCoalescer* frames) {
  FrameCoalescer* next = frames != nullptr ? frames : own_;
  if (next == frames_) return;
  disconnect(connection_);
  frames_ = next;
  connection_ = connect(frames_, &FrameCoalescer::draw, this, &FrameReplot::draw);
  if (dirty_) frames_->request();
}

void FrameReplot::request() {
  dirty_ = true;
  frames_->request();
}

void FrameReplot::flush() {
  if (dirty_) draw();
}

void FrameReplot::draw() {
  if (!dirty_) return;
  dirty_ = false;
  plot_->replot();
}

void request_replot(QCustomPlot* plot) {
  FrameReplot::of(plot)->request();
}

void relayout(QCustomPlot* plot) {
  // QCustomPlot::updateLayout's phases, without its afterLayout (which called us).
  plot->plotLayout()->update(QCPLayoutElement::upPreparation);
  plot->plotLayout()->update(QCPLayoutElement::upMargins);
  plot->plotLayout()->update(QCPLayoutElement::upLayout);
}

}  // namespace sy::ui
