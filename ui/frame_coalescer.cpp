// FrameCoalescer: a single-shot timer started by the first request after a frame; the requests
// while it runs ride on it.
#include "ui/frame_coalescer.h"

namespace sy::ui {

FrameCoalescer::FrameCoalescer(QObject* parent, int frame_ms) : QObject(parent) {
  timer_.setSingleShot(true);
  timer_.setInterval(frame_ms);
  connect(&timer_, &QTimer::timeout, this, [this] {
    ++frames_;
    in_frame_ = true;
    Q_EMIT frame();
    in_frame_ = false;
    Q_EMIT draw();
  });
}

void FrameCoalescer::request() {
  ++requests_;
  if (!in_frame_ && !timer_.isActive()) timer_.start();
}

void FrameCoalescer::cancel() {
  timer_.stop();
}

}  // namespace sy::ui
