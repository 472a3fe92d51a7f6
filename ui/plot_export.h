// Exporting a plot: the size it is exported at, and the right-click menu every plot offers
// ("Export PNG…" at 2x, "Export PDF…" as vectors, after the plot's own actions such as "Reset
// zoom"), which asks for a file and reports a failure.
#pragma once

#include <QPoint>
#include <QSize>
#include <QString>

#include <QList>

#include <functional>

class QAction;
class QCustomPlot;
class QWidget;

namespace sy::ui {

// What the user sees; a plot not on screen (never shown, or in a hidden tab) has no size worth
// keeping and exports at a readable default.
QSize export_size(const QCustomPlot* plot);

// The plot at export_size, as PNG at twice that size / as a vector PDF.
bool save_png(QCustomPlot* plot, const QString& path);
bool save_pdf(QCustomPlot* plot, const QString& path);

// Shows the export menu at `pos` (in `plot`'s coordinates) and writes the chosen file with
// `png` or `pdf` (each returns false when the file could not be written). `actions` come first.
void show_export_menu(QWidget* owner, QCustomPlot* plot, const QPoint& pos,
                      const std::function<bool(const QString&)>& png,
                      const std::function<bool(const QString&)>& pdf,
                      const QList<QAction*>& actions = {});

}  // namespace sy::ui
