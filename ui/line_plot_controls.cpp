// The smoothing slider, log-y switch and x-axis choice above a line plot; see
// line_plot_controls.h.
#include "ui/line_plot_controls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QStandardItemModel>

#include <algorithm>
#include <cmath>

namespace sy::ui {

LinePlotControls::LinePlotControls(QWidget* parent)
    : QWidget(parent),
      slider_(new QSlider(Qt::Horizontal)),
      value_(new QLabel),
      log_y_(new QCheckBox(tr("Log scale"))),
      x_axis_(new QComboBox) {
  // Hundredths, as TensorBoard's slider: 0 (off) to 0.99.
  slider_->setRange(0, 99);
  slider_->setPageStep(10);
  slider_->setMaximumWidth(180);
  slider_->setToolTip(
      tr("Exponential moving average of the loss, debiased as in TensorBoard; the raw curve "
         "stays drawn, faint. 0 turns smoothing off."));
  // Room for "0.99" whatever the value, so that the row does not move while dragging.
  value_->setMinimumWidth(value_->fontMetrics().horizontalAdvance(QStringLiteral("0.00")) + 4);
  log_y_->setToolTip(tr("A logarithmic y axis: late, small changes of the loss stay visible."));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 0, 4, 0);
  layout->addWidget(new QLabel(tr("Smoothing")));
  layout->addWidget(slider_);
  layout->addWidget(value_);
  layout->addSpacing(12);
  layout->addWidget(log_y_);
  layout->addSpacing(12);
  layout->addWidget(new QLabel(tr("x")));
  x_axis_->addItem(tr("Step"), int(XAxis::Step));
  x_axis_->addItem(tr("Wall time"), int(XAxis::WallTime));
  x_axis_->setToolTip(tr("The x axis: the step (across stages), or the time since the first step"));
  layout->addWidget(x_axis_);
  layout->addStretch(1);
  setSmoothing(0);
  connect(slider_, &QSlider::valueChanged, this, [this](int value) {
    value_->setText(QString::number(value / 100.0, 'f', 2));
    Q_EMIT smoothingChanged(value / 100.0);
  });
  connect(log_y_, &QCheckBox::toggled, this, &LinePlotControls::logYChanged);
  connect(x_axis_, &QComboBox::currentIndexChanged, this, [this] { Q_EMIT xAxisChanged(xAxis()); });
}

double LinePlotControls::smoothing() const {
  return slider_->value() / 100.0;
}

void LinePlotControls::setSmoothing(double weight) {
  const int value = int(std::lround(std::clamp(weight, 0.0, 0.99) * 100));
  slider_->setValue(value);
  value_->setText(QString::number(value / 100.0, 'f', 2));
}

bool LinePlotControls::logY() const {
  return log_y_->isChecked();
}

void LinePlotControls::setLogY(bool log) {
  log_y_->setChecked(log);
}

XAxis LinePlotControls::xAxis() const {
  return XAxis(x_axis_->currentData().toInt());
}

void LinePlotControls::setXAxis(XAxis axis) {
  x_axis_->setCurrentIndex(x_axis_->findData(int(axis)));
}

void LinePlotControls::setWallTimeAvailable(bool available, const QString& why) {
  auto* model = qobject_cast<QStandardItemModel*>(x_axis_->model());
  if (QStandardItem* item =
          model ? model->item(x_axis_->findData(int(XAxis::WallTime))) : nullptr) {
    item->setEnabled(available);
    item->setToolTip(available ? QString() : why);
  }
  if (!available) setXAxis(XAxis::Step);
}

}  // namespace sy::ui
