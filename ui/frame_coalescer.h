// FrameCoalescer: the one place where live plot updates are coalesced. Updates arrive as fast as
// the engine writes events (thousands a second); frame() follows the first of them after one
// frame interval and then at most once per interval, however many came in between, so the
// plots are rebuilt and replotted at a steady rate and the event loop keeps turning.
#pragma once

#include <QObject>
#include <QTimer>

namespace sy::ui {

class FrameCoalescer : public QObject {
  Q_OBJECT

 public:
  static constexpr int kFrameMs = 40;  // 25 redraws a second at most

  explicit FrameCoalescer(QObject* parent = nullptr, int frame_ms = kFrameMs);

  // Something to draw changed: frame() comes once the interval is over.
  void request();
  // Drops a pending frame (what was to be drawn is gone).
  void cancel();
  bool isPending() const { return timer_.isActive(); }

  // Counts since construction, for tests and benchmarks: updates in, frames out.
  int requests() const { return requests_; }
  int frames() const { return frames_; }

 Q_SIGNALS:
  void frame();

 private:
  QTimer timer_;
  int requests_ = 0;
  int frames_ = 0;
};

}  // namespace sy::ui
