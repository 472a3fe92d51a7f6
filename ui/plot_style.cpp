// Plot frames in the desktop's colours and legend entries that toggle their series; see
// plot_style.h.
#include "ui/plot_style.h"

#include <QLabel>
#include <QObject>

#include "ui/custom_plot.h"
#include "ui/frame_replot.h"

namespace sy::ui {

namespace {

void style_axis(QCPAxis* axis, const PlotPalette& colors) {
  axis->setBasePen(QPen(colors.axis, 0));
  axis->setTickPen(QPen(colors.axis, 0));
  axis->setSubTickPen(QPen(colors.axis, 0));
  axis->setTickLabelColor(colors.text);
  axis->setLabelColor(colors.text);
  // Keep each grid's own style (the retention plot's are dashed), change only its colour.
  QPen grid = axis->grid()->pen();
  grid.setColor(colors.grid);
  axis->grid()->setPen(grid);
  QPen sub = axis->grid()->subGridPen();
  sub.setColor(colors.grid);
  axis->grid()->setSubGridPen(sub);
  axis->grid()->setZeroLinePen(Qt::NoPen);
}

// The legend's text colour says whether its series is shown, so it is set here and read back.
QColor legend_text(const PlotPalette& colors, bool shown) {
  return shown ? colors.text : colors.faint_text;
}

}  // namespace

void apply_plot_palette(QCustomPlot* plot, const PlotPalette& colors) {
  plot->setProperty("sy_palette_text", colors.text);
  plot->setProperty("sy_palette_faint", colors.faint_text);
  plot->setBackground(QBrush(colors.background));
  for (QCPAxisRect* rect : plot->axisRects()) {
    rect->setBackground(Qt::NoBrush);
    for (QCPAxis* axis : rect->axes()) style_axis(axis, colors);
  }
  for (QCPLayoutElement* element : plot->plotLayout()->elements(true)) {
    if (auto* scale = qobject_cast<QCPColorScale*>(element)) style_axis(scale->axis(), colors);
    if (auto* text = qobject_cast<QCPTextElement*>(element)) text->setTextColor(colors.text);
    if (auto* legend = qobject_cast<QCPLegend*>(element)) {
      legend->setBrush(QBrush(colors.background));
      legend->setTextColor(colors.text);
      if (legend->borderPen().style() != Qt::NoPen) legend->setBorderPen(QPen(colors.axis, 0));
      for (int i = 0; i < legend->itemCount(); ++i) {
        auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(i));
        const bool shown = !item || item->plottable()->visible();
        if (legend->item(i)) legend->item(i)->setTextColor(legend_text(colors, shown));
      }
    }
  }
}

void set_series_shown(QCustomPlot* plot, QCPAbstractPlottable* plottable, bool shown) {
  plottable->setVisible(shown);
  if (QCPPlottableLegendItem* item = plot->legend->itemWithPlottable(plottable)) {
    const QColor text = plot->property("sy_palette_text").value<QColor>();
    const QColor faint = plot->property("sy_palette_faint").value<QColor>();
    item->setTextColor(shown ? (text.isValid() ? text : QColor(Qt::black))
                             : (faint.isValid() ? faint : QColor(Qt::gray)));
  }
}

void make_legend_toggle(QCustomPlot* plot) {
  QObject::connect(plot, &QCustomPlot::legendClick, plot,
                   [plot](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
                     auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
                     if (!entry) return;
                     QCPAbstractPlottable* series = entry->plottable();
                     set_series_shown(plot, series, !series->visible());
                     request_replot(plot);
                   });
}

void style_empty_sentence(QLabel* label) {
  label->setAlignment(Qt::AlignCenter);
  label->setWordWrap(true);
  label->setMargin(16);
  label->setForegroundRole(QPalette::PlaceholderText);
}

void set_step_or_time_ticker(QCPAxis* axis, bool wall_time) {
  if (wall_time) {
    QSharedPointer<QCPAxisTickerTime> ticker(new QCPAxisTickerTime);
    ticker->setTimeFormat(QStringLiteral("%h:%m:%s"));
    axis->setTicker(ticker);
  } else {
    axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  }
}

}  // namespace sy::ui
