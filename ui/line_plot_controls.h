// LinePlotControls: the row above a line plot with what W&B and TensorBoard put there — the
// smoothing weight (a slider, 0 = off; TensorBoard's debiased EMA, raw curve shown faint), a
// log / linear y axis and x as step or wall time. The loss plot of a run and the compare view's
// overlaid losses use it.
#pragma once

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace sy::ui {

// What a line plot's x axis shows: the global step (the steps of stage k follow those of the
// stages before it), or the wall time since the run's first step.
enum class XAxis { Step, WallTime };

class LinePlotControls : public QWidget {
  Q_OBJECT

 public:
  explicit LinePlotControls(QWidget* parent = nullptr);

  double smoothing() const;  // 0 .. 0.99
  void setSmoothing(double weight);
  bool logY() const;
  void setLogY(bool log);
  XAxis xAxis() const;
  void setXAxis(XAxis axis);
  // Wall time needs every step's time: `why` says what is missing when it is not available (the
  // choice is then greyed out, with `why` as its tooltip, and Step shown).
  void setWallTimeAvailable(bool available, const QString& why = QString());

  QSlider* smoothingSlider() const { return slider_; }
  QCheckBox* logYBox() const { return log_y_; }
  QComboBox* xAxisBox() const { return x_axis_; }

 Q_SIGNALS:
  void smoothingChanged(double weight);
  void logYChanged(bool log);
  void xAxisChanged(sy::ui::XAxis axis);

 private:
  QSlider* slider_;
  QLabel* value_;
  QCheckBox* log_y_;
  QComboBox* x_axis_;
};

}  // namespace sy::ui
