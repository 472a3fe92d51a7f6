// The export menu shared by every plot widget.
#include "ui/plot_export.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>

#include "ui/custom_plot.h"

namespace sy::ui {

QSize export_size(const QCustomPlot* plot) {
  return plot->isVisible() ? plot->size() : QSize(800, 500);
}

bool save_png(QCustomPlot* plot, const QString& path) {
  const QSize size = export_size(plot);
  return plot->savePng(path, size.width(), size.height(), 2.0);
}

bool save_pdf(QCustomPlot* plot, const QString& path) {
  const QSize size = export_size(plot);
  return plot->savePdf(path, size.width(), size.height());
}

void show_export_menu(QWidget* owner, QCustomPlot* plot, const QPoint& pos,
                      const std::function<bool(const QString&)>& png,
                      const std::function<bool(const QString&)>& pdf,
                      const QList<QAction*>& actions) {
  QMenu menu(owner);
  if (!actions.isEmpty()) {
    menu.addActions(actions);
    menu.addSeparator();
  }
  QAction* png_action = menu.addAction(QObject::tr("Export PNG…"));
  menu.addAction(QObject::tr("Export PDF…"));
  QAction* chosen = menu.exec(plot->mapToGlobal(pos));
  if (!chosen || actions.contains(chosen)) return;
  const bool as_png = chosen == png_action;
  QString path = QFileDialog::getSaveFileName(
      owner, as_png ? QObject::tr("Export PNG") : QObject::tr("Export PDF"), QString(),
      as_png ? QObject::tr("PNG images (*.png)") : QObject::tr("PDF documents (*.pdf)"));
  if (path.isEmpty()) return;
  const QString suffix = as_png ? QStringLiteral(".png") : QStringLiteral(".pdf");
  if (!path.endsWith(suffix, Qt::CaseInsensitive)) path += suffix;
  if (!(as_png ? png(path) : pdf(path))) {
    QMessageBox::warning(owner, QObject::tr("Export failed"),
                         QObject::tr("Could not write %1: check that its folder exists and is "
                                     "writable.")
                             .arg(QDir::toNativeSeparators(path)));
  }
}

}  // namespace sy::ui
