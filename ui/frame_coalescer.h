// FrameCoalescer: the one place where plot updates are coalesced. Updates arrive as fast as the
// engine writes events (thousands a second); a frame follows the first of them after one frame
// interval and then at most once per interval, however many came in between, so the plots are
// rebuilt and replotted at a steady rate and the event loop keeps turning. A frame has two
// phases: frame(), where views rebuild their plots' data, then draw(), where each plot changed
// since the last frame replots once (FrameReplot); a request made during frame() is served by
// the draw() that follows, not by another frame.
#pragma once

#include <QObject>
#include <QTimer>

namespace sy::ui {

class FrameCoalescer : public QObject {
  Q_OBJECT

 public:
  static constexpr int kFrameMs = 40;  // 25 redraws a second at most

  explicit FrameCoalescer(QObject* parent = nullptr, int frame_ms = kFrameMs);

  // Something to draw changed: frame() and draw() come once the interval is over.
  void request();
  // Drops a pending frame (what was to be drawn is gone).
  void cancel();
  bool isPending() const { return timer_.isActive(); }

  // Counts since construction, for tests and benchmarks: updates in, frames out.
  int requests() const { return requests_; }
  int frames() const { return frames_; }

 Q_SIGNALS:
  void frame();
  void draw();

 private:
  QTimer timer_;
  int requests_ = 0;
  int frames_ = 0;
  bool in_frame_ = false;  // inside frame(): draw() comes next anyway
};

}  // namespace sy::ui
