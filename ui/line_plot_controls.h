// LinePlotControls: the row above a line plot with what W&B and TensorBoard put there — the
// smoothing weight (a slider, 0 = off; TensorBoard's debiased EMA, raw curve shown faint) and a
// log / linear y axis. The loss plot of a run and the compare view's overlaid losses use it.
#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QSlider;

namespace sy::ui {

class LinePlotControls : public QWidget {
  Q_OBJECT

 public:
  explicit LinePlotControls(QWidget* parent = nullptr);

  double smoothing() const;  // 0 .. 0.99
  void setSmoothing(double weight);
  bool logY() const;
  void setLogY(bool log);

  QSlider* smoothingSlider() const { return slider_; }
  QCheckBox* logYBox() const { return log_y_; }

 Q_SIGNALS:
  void smoothingChanged(double weight);
  void logYChanged(bool log);

 private:
  QSlider* slider_;
  QLabel* value_;
  QCheckBox* log_y_;
};

}  // namespace sy::ui
