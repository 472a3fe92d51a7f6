// The colours a plot draws its frame with — background, axes, ticks, grid, text, faint text —
// taken from the desktop's palette, so that plots follow a light or a dark desktop as the
// widgets around them do; and the one dark palette the app can be forced into (screenshots,
// --dark). Widget-free: QPalette and QColor only.
#pragma once

#include <QColor>
#include <QPalette>

namespace sy::ui {

struct PlotPalette {
  bool dark = false;
  QColor background;  // the plot's fill: the palette's Base, as for tables and text fields
  QColor text;        // axis labels, tick labels, legend, titles
  QColor axis;        // axis lines and ticks
  QColor grid;        // major grid lines, dashed stage boundaries
  QColor faint_text;  // secondary labels (stage names, "no data" sentences)
  QColor missing;     // heatmap cells without a value
};

// Dark when the palette's window colour is darker than its text (Qt 6.4 has no
// QStyleHints::colorScheme; this is what it reports for the palettes desktops set).
bool is_dark(const QPalette& palette);
PlotPalette plot_palette(const QPalette& palette);

// `color` at `alpha` (0..1) over `background`, opaque: a faint line without alpha, so that the
// segments of a fast polyline do not darken where they overlap.
QColor blend(const QColor& color, const QColor& background, double alpha);

// A dark palette for the whole application (Fusion's roles, Breeze-dark-like colours).
QPalette dark_palette();

}  // namespace sy::ui
