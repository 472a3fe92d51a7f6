// What every plot of the app does the same way: its frame in the desktop's colours (re-applied by
// the plot widgets on QEvent::PaletteChange), and a legend whose entries hide and show their
// series on a click, as in W&B and TensorBoard.
#pragma once

#include "ui/plot_palette.h"

class QCustomPlot;
class QCPAbstractPlottable;
class QCPAxis;
class QLabel;

namespace sy::ui {

// Background, axes, ticks, grid, legend and title elements (colour scales included) of `plot` in
// `colors`; the data's own colours are left alone. Does not replot.
void apply_plot_palette(QCustomPlot* plot, const PlotPalette& colors);

// From then on, a click on a legend entry of `plot` hides its series (the entry stays, greyed)
// and a second click shows it again. Plottables added later take part too.
void make_legend_toggle(QCustomPlot* plot);
// `label` as the sentence a view shows instead of empty axes (what is missing, what to do):
// centred, wrapped, in the palette's placeholder colour.
void style_empty_sentence(QLabel* label);

// `axis` ticks as a loss plot's x axis: plain steps, or wall time as h:mm:ss (the seconds since
// a run's first step), the loss plot and compare's overlaid losses alike.
void set_step_or_time_ticker(QCPAxis* axis, bool wall_time);

// Whether `plottable` is shown; for a legend-toggled series, whether its entry is not greyed.
void set_series_shown(QCustomPlot* plot, QCPAbstractPlottable* plottable, bool shown);

}  // namespace sy::ui
