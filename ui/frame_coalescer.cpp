// FrameCoalescer: a single-shot timer started by the first request after a frame; the requests
// while it runs ride on it.
#include "ui/frame_coalescer.h"

namespace sy::ui {

FrameCoalescer::FrameCoalescer(QObject* parent, int frame_ms) : QObject(parent) {
  timer_.setSingleShot(true);
  timer_.setInterval(frame_ms);
  connect(&timer_, &QTimer::timeout, this, [this] {
    ++frames_;
    Q_EMIT frame();
  });
}

void FrameCoalescer::request() {
  ++requests_;
  if (!timer_.isActive()) timer_.start();
}

void FrameCoalescer::cancel() {
  timer_.stop();
}

}  // namespace sy::ui
