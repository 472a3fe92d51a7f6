// MatrixHeatmap: an annotated QCPColorMap; see matrix_heatmap.h.
#include "ui/matrix_heatmap.h"

#include <QFontMetricsF>
#include <QLabel>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QToolTip>
#include <QVBoxLayout>

#include "ui/custom_plot.h"
#include "ui/frame_replot.h"
#include "ui/plot_export.h"
#include "ui/plot_style.h"
#include "ui/tick_labels.h"

#include <algorithm>
#include <cmath>

namespace sy::ui {

namespace {

const QString kNoValue = QStringLiteral("\u2013");  // en dash

// Viridis: perceptually uniform and readable by colour-blind users and in greyscale print.
QCPColorGradient viridis() {
  QCPColorGradient gradient;
  gradient.clearColorStops();
  const QColor stops[] = {
      QColor(0x44, 0x01, 0x54), QColor(0x48, 0x28, 0x78), QColor(0x3e, 0x49, 0x89),
      QColor(0x31, 0x68, 0x8e), QColor(0x26, 0x82, 0x8e), QColor(0x1f, 0x9e, 0x89),
      QColor(0x35, 0xb7, 0x79), QColor(0x6e, 0xce, 0x58), QColor(0xfd, 0xe7, 0x25)};
  constexpr int kStops = int(sizeof(stops) / sizeof(stops[0]));
  for (int i = 0; i < kStops; ++i) gradient.setColorStopAt(double(i) / (kStops - 1), stops[i]);
  gradient.setNanHandling(QCPColorGradient::nhNanColor);
  return gradient;
}

// Black on light cells, white on dark ones, by WCAG relative luminance.
QColor contrast_text(const QColor& background) {
  auto linear = [](double c) {
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  };
  const double luminance = 0.2126 * linear(background.redF()) +
                           0.7152 * linear(background.greenF()) +
                           0.0722 * linear(background.blueF());
  return luminance > 0.179 ? Qt::black : Qt::white;
}

bool same_matrix(const QVector<QVector<double>>& a, const QVector<QVector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (int j = 0; j < a[i].size(); ++j) {
      const double x = a[i][j], y = b[i][j];
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
  }
  return true;
}

QSharedPointer<QCPAxisTickerText> label_ticker(const QStringList& labels, int count) {
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (int i = 0; i < count; ++i) ticker->addTick(i, labels.value(i, QString::number(i)));
  return ticker;
}

}  // namespace

MatrixHeatmap::MatrixHeatmap(QWidget* parent)
    : QWidget(parent),
      plot_(new QCustomPlot),
      pages_(new QStackedWidget),
      empty_(new QLabel(tr("No values yet."))),
      map_(new QCPColorMap(plot_->xAxis, plot_->yAxis)),
      scale_(new QCPColorScale(plot_)) {
  style_empty_sentence(empty_);
  pages_->addWidget(plot_);
  pages_->addWidget(empty_);
  pages_->setCurrentWidget(empty_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);
  plot_->setMinimumSize(240, 180);

  // Matrix convention: row 0 at the top; cell (i, j) centred on (x = j, y = i).
  plot_->yAxis->setRangeReversed(true);
  map_->setInterpolate(false);
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
    axis->grid()->setVisible(false);  // grid lines would cross the cell centres
    axis->setSubTicks(false);
    axis->setTickLength(0, 4);  // outward: inward ticks would run into the cell texts
  }

  plot_->plotLayout()->addElement(0, 1, scale_);
  scale_->setType(QCPAxis::atRight);
  scale_->setBarWidth(12);
  map_->setColorScale(scale_);
  const QCPColorGradient gradient = viridis();
  scale_->setGradient(gradient);
  map_->setGradient(gradient);
  // Keep the colour bar exactly as tall as the matrix.
  auto* group = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, group);
  scale_->setMarginGroup(QCP::msTop | QCP::msBottom, group);

  map_->setVisible(false);
  // The column labels and the cell texts follow the room, which is known only once the plot is
  // laid out: both are fitted there, before the same replot draws them (labels first: slanting
  // them changes the cells' height).
  connect(plot_, &QCustomPlot::afterLayout, this, &MatrixHeatmap::fitColumnLabels);
  connect(plot_, &QCustomPlot::afterLayout, this, &MatrixHeatmap::fitTexts);
  connect(plot_, &QCustomPlot::mouseMove, this, &MatrixHeatmap::showCellTip);
  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(plot_, &QWidget::customContextMenuRequested, this, &MatrixHeatmap::showContextMenu);
  applyPalette();
}

void MatrixHeatmap::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange) {
    applyPalette();
    updateTexts();
    request_replot(plot_);
  }
  QWidget::changeEvent(event);
}

void MatrixHeatmap::applyPalette() {
  const PlotPalette colors = plot_palette(palette());
  apply_plot_palette(plot_, colors);
  QCPColorGradient gradient = map_->gradient();
  gradient.setNanColor(colors.missing);
  map_->setGradient(gradient);
  empty_text_color_ = colors.faint_text;
}

void MatrixHeatmap::setEmptyText(const QString& text) {
  empty_->setText(text);
}

QString MatrixHeatmap::emptyText() const {
  return pages_->currentWidget() == empty_ ? empty_->text() : QString();
}

void MatrixHeatmap::fitColumnLabels() {
  if (columns_ == 0) return;
  const double spacing = plot_->axisRect()->width() / double(columns_);
  QStringList full, brief;
  const QFontMetricsF metrics(plot_->xAxis->tickLabelFont());
  for (int j = 0; j < columns_; ++j) {
    full << column_labels_.value(j, QString::number(j));
    brief << metrics.elidedText(full.last(), Qt::ElideRight, std::max(spacing - 8, 12.0));
  }
  const TickLabels fit = fit_tick_labels(full, brief, spacing, plot_->xAxis->tickLabelFont());
  if (fit.labels == shown_columns_ && fit.rotation == shown_rotation_) return;
  shown_columns_ = fit.labels;
  shown_rotation_ = fit.rotation;
  plot_->xAxis->setTicker(label_ticker(fit.labels, columns_));
  plot_->xAxis->setTickLabelRotation(fit.rotation);
  relayout(plot_);  // slanted labels need another axis height, in this same replot
}

QString MatrixHeatmap::formatValue(double value, const QString& format) {
  static const QRegularExpression re(QStringLiteral(R"(^(.*?)%(\+?)\.(\d{1,2})([fFeEgG])(.*)$)"));
  const QRegularExpressionMatch m = re.match(format);
  if (!m.hasMatch()) return QString::number(value, 'g', 4);
  QString text = QString::number(value, m.captured(4).at(0).toLatin1(), m.captured(3).toInt());
  if (!m.captured(2).isEmpty() && value >= 0) text.prepend(QLatin1Char('+'));
  auto literal = [](QString part) {
    return part.replace(QStringLiteral("%%"), QStringLiteral("%"));
  };
  return literal(m.captured(1)) + text + literal(m.captured(5));
}

void MatrixHeatmap::setMatrix(const QVector<QVector<double>>& values, const QStringList& rowLabels,
                              const QStringList& columnLabels, const QString& valueFormat) {
  if (has_data_ && rowLabels == row_labels_ && columnLabels == column_labels_ &&
      valueFormat == format_ && same_matrix(values, values_))
    return;
  values_ = values;
  row_labels_ = rowLabels;
  column_labels_ = columnLabels;
  format_ = valueFormat;
  has_data_ = true;

  rows_ = std::max(int(values.size()), int(rowLabels.size()));
  columns_ = int(columnLabels.size());
  for (const QVector<double>& row : values) columns_ = std::max(columns_, int(row.size()));

  const bool empty = rows_ == 0 || columns_ == 0;
  map_->setVisible(!empty);
  pages_->setCurrentWidget(empty ? static_cast<QWidget*>(empty_) : plot_);
  if (!empty) {
    // QCustomPlot spreads the cells so that the first and the last are centred on the range's
    // ends, and draws a single cell with no width at all: a lone row or column is stored as two
    // equal cells centred at -0.25 and 0.25, which together cover -0.5..0.5 as one cell would.
    const int keys = std::max(columns_, 2), values = std::max(rows_, 2);
    auto span = [](int n) { return n == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, n - 1); };
    QCPColorMapData* data = map_->data();
    data->setSize(keys, values);
    data->setRange(span(columns_), span(rows_));
    for (int y = 0; y < values; ++y)
      for (int x = 0; x < keys; ++x)
        data->setCell(x, y, value(std::min(y, rows_ - 1), std::min(x, columns_ - 1)));
  }
  // Whole and level first; fitColumnLabels slants or shortens them once the room is known.
  plot_->xAxis->setTicker(label_ticker(columnLabels, columns_));
  plot_->xAxis->setTickLabelRotation(0);
  shown_columns_ = columnLabels.mid(0, columns_);
  shown_rotation_ = 0;
  plot_->yAxis->setTicker(label_ticker(rowLabels, rows_));
  plot_->xAxis->setRange(-0.5, std::max(columns_, 1) - 0.5);
  plot_->yAxis->setRange(-0.5, std::max(rows_, 1) - 0.5);

  applyColorRange();  // also places the cell texts
  request_replot(plot_);
}

double MatrixHeatmap::value(int row, int column) const {
  if (row >= values_.size() || column >= values_[row].size()) return qQNaN();
  return values_[row][column];
}

void MatrixHeatmap::setColorRange(double lower, double upper) {
  fixed_range_ = true;
  lower_ = lower;
  upper_ = upper > lower ? upper : lower + 1;
  applyColorRange();
  request_replot(plot_);
}

void MatrixHeatmap::setAutoColorRange() {
  fixed_range_ = false;
  applyColorRange();
  request_replot(plot_);
}

QPair<double, double> MatrixHeatmap::colorRange() const {
  const QCPRange range = map_->dataRange();
  return {range.lower, range.upper};
}

void MatrixHeatmap::setColorScaleLabel(const QString& label) {
  scale_->axis()->setLabel(label);
  request_replot(plot_);
}

void MatrixHeatmap::setAxisLabels(const QString& rows, const QString& columns) {
  plot_->yAxis->setLabel(rows);
  plot_->xAxis->setLabel(columns);
  request_replot(plot_);
}

void MatrixHeatmap::applyColorRange() {
  double lower = lower_, upper = upper_;
  if (!fixed_range_) {
    // QCustomPlot's own bounds would turn NaN as soon as one cell is empty.
    bool any = false;
    double low = 0, high = 0;
    for (const QVector<double>& row : values_)
      for (double v : row) {
        if (!std::isfinite(v)) continue;
        low = any ? std::min(low, v) : v;
        high = any ? std::max(high, v) : v;
        any = true;
      }
    lower = std::min(0.0, low);
    upper = high > lower ? high : lower + 1;
  }
  map_->setDataRange(QCPRange(lower, upper));
  updateTexts();
}

void MatrixHeatmap::updateTexts() {
  const int cells = rows_ * columns_;
  if (texts_.size() != cells) {
    for (QCPItemText* text : texts_) plot_->removeItem(text);
    texts_.clear();
    for (int c = 0; c < cells; ++c) {
      auto* text = new QCPItemText(plot_);
      text->setPositionAlignment(Qt::AlignCenter);
      if (text_size_ > 0) {
        QFont font = plot_->font();
        font.setPointSizeF(std::max(text_size_, 6.0));
        text->setFont(font);
      }
      text->position->setCoords(c % columns_, c / columns_);
      texts_.append(text);
    }
  }
  QCPColorGradient gradient = map_->gradient();  // color() is not const
  const QCPRange range = map_->dataRange();
  for (int i = 0; i < rows_; ++i)
    for (int j = 0; j < columns_; ++j) {
      QCPItemText* text = texts_[i * columns_ + j];
      const double v = value(i, j);
      if (std::isnan(v)) {
        text->setText(kNoValue);
        text->setColor(empty_text_color_);
      } else {
        text->setText(formatValue(v, format_));
        text->setColor(contrast_text(QColor::fromRgba(gradient.color(v, range))));
      }
    }
}

void MatrixHeatmap::fitTexts() {
  if (texts_.isEmpty()) return;
  constexpr double kLargest = 10, kSmallest = 6;  // points
  QFont font = plot_->font();
  font.setPointSizeF(kLargest);
  const QFontMetricsF metrics(font);
  double widest = 1;
  for (const QCPItemText* text : texts_)
    widest = std::max(widest, metrics.horizontalAdvance(text->text()));
  const QRect rect = plot_->axisRect()->rect();
  const double fits = std::min((rect.width() / double(columns_) - 4) / widest,
                               (rect.height() / double(rows_) - 2) / metrics.height());
  const double size = std::min(kLargest, kLargest * fits);
  // Smaller than that cannot be read: show the colours alone (the values are in the tooltip).
  const bool visible = size >= kSmallest;
  if (std::abs(size - text_size_) < 0.25 && visible == texts_.front()->visible()) return;
  text_size_ = size;
  font.setPointSizeF(std::max(size, kSmallest));
  for (QCPItemText* text : texts_) {
    text->setFont(font);
    text->setVisible(visible);
  }
  // Called after the layout, before drawing: this replot draws the texts at their new size.
}

void MatrixHeatmap::showCellTip(QMouseEvent* event) {
  const QPointF pos = event->position();
  const int row = qRound(plot_->yAxis->pixelToCoord(pos.y()));
  const int column = qRound(plot_->xAxis->pixelToCoord(pos.x()));
  if (!plot_->axisRect()->rect().contains(pos.toPoint()) || cellText(row, column).isEmpty()) {
    QToolTip::hideText();
    return;
  }
  QToolTip::showText(
      event->globalPosition().toPoint(),
      tr("%1, %2: %3")
          .arg(row_labels_.value(row, QString::number(row)),
               column_labels_.value(column, QString::number(column)), cellText(row, column)),
      plot_);
}

QString MatrixHeatmap::cellText(int row, int column) const {
  if (row < 0 || row >= rows_ || column < 0 || column >= columns_) return QString();
  return texts_[row * columns_ + column]->text();
}

QColor MatrixHeatmap::cellTextColor(int row, int column) const {
  if (row < 0 || row >= rows_ || column < 0 || column >= columns_) return QColor();
  return texts_[row * columns_ + column]->color();
}

QSize MatrixHeatmap::exportSize() const {
  return export_size(plot_);
}

bool MatrixHeatmap::exportPng(const QString& path) {
  return save_png(plot_, path);
}

bool MatrixHeatmap::exportPdf(const QString& path) {
  return save_pdf(plot_, path);
}

void MatrixHeatmap::showContextMenu(const QPoint& pos) {
  show_export_menu(
      this, plot_, pos, [this](const QString& path) { return exportPng(path); },
      [this](const QString& path) { return exportPdf(path); });
}

}  // namespace sy::ui
