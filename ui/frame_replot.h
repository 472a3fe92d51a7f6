// FrameReplot: how a QCustomPlot of ours is redrawn — through a FrameCoalescer, the one
// coalescing layer of the plots (issue 23). A change marks the plot dirty and asks for a frame;
// the frame's draw phase replots it once, however many changes came in between. The views never
// call QCustomPlot's own queued replot, which would be a second layer under the first.
#pragma once

#include <QObject>

class QCustomPlot;

namespace sy::ui {

class FrameCoalescer;

class FrameReplot : public QObject {
  Q_OBJECT

 public:
  // The plot's FrameReplot (a child of the plot), made on first use with a coalescer of its own.
  static FrameReplot* of(QCustomPlot* plot);

  // Redraw in the draw phase of `frames` (a view's coalescer: its frame rebuilds the data of
  // its plots, then each plot that changed replots once); nullptr: the plot's own again.
  void setFrames(FrameCoalescer* frames);
  FrameCoalescer* frames() const { return frames_; }

  // Something drawn changed: one replot in the next frame's draw phase.
  void request();
  // Replots now if a request is pending (what an export or a test reading pixels needs).
  void flush();
  bool isDirty() const { return dirty_; }

 private:
  explicit FrameReplot(QCustomPlot* plot);
  void draw();

  QCustomPlot* plot_;
  FrameCoalescer* own_;
  FrameCoalescer* frames_;
  QMetaObject::Connection connection_;
  bool dirty_ = false;
};

// FrameReplot::of(plot)->request(): what every change of a plot of ours calls.
void request_replot(QCustomPlot* plot);

// Lays the plot out again inside the replot under way, for an afterLayout handler that changed
// what the layout depends on (slanted tick labels need a taller axis): the same replot then
// draws the final layout, instead of a second replot being asked for.
void relayout(QCustomPlot* plot);

}  // namespace sy::ui
