// MatrixHeatmap: an annotated heatmap of a small matrix — the score matrix (rows "after stage i",
// columns tasks, values in %) or the router's confusion (counts, rows the true task, columns the
// predicted one). Every cell shows its value; cells without one are grey with "–". Column labels
// slant or shorten where they would collide; colours follow the desktop's palette; an empty matrix
// shows a sentence instead of empty axes.
#pragma once

#include <QColor>
#include <QPair>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPItemText;
class QLabel;
class QMouseEvent;
class QStackedWidget;

namespace sy::ui {

class MatrixHeatmap : public QWidget {
  Q_OBJECT

 public:
  explicit MatrixHeatmap(QWidget* parent = nullptr);

  // values[row][column], NaN where there is no value; valueFormat is a printf-style format of
  // one double with a precision ("%.1f", "%.0f", "%.2g%%"). Rows shorter than the labels are
  // padded with NaN. Does nothing when nothing changed.
  void setMatrix(const QVector<QVector<double>>& values, const QStringList& rowLabels,
                 const QStringList& columnLabels,
                 const QString& valueFormat = QStringLiteral("%.1f"));
  // A fixed colour range, e.g. 0..100 for scores or one range shared by heatmaps shown side by
  // side; setAutoColorRange returns to the default, 0 (or the smallest value) to the largest.
  void setColorRange(double lower, double upper);
  void setAutoColorRange();
  QPair<double, double> colorRange() const;
  void setColorScaleLabel(const QString& label);
  void setAxisLabels(const QString& rows, const QString& columns);
  // The sentence shown instead of the axes while the matrix is empty.
  void setEmptyText(const QString& text);
  QString emptyText() const;  // the sentence shown now; "" while the matrix is shown

  int rowCount() const { return rows_; }
  int columnCount() const { return columns_; }
  QString cellText(int row, int column) const;  // "" outside the matrix
  QColor cellTextColor(int row, int column) const;

  // `value` written with `format` (see setMatrix); a format it does not understand gives %.4g.
  static QString formatValue(double value, const QString& format);

  bool exportPng(const QString& path);  // at twice the on-screen size
  bool exportPdf(const QString& path);  // vectors

  QCustomPlot* plot() const { return plot_; }
  QCPColorMap* colorMap() const { return map_; }
  QCPColorScale* colorScale() const { return scale_; }

 protected:
  void changeEvent(QEvent* event) override;

 private:
  double value(int row, int column) const;
  void applyPalette();
  void fitColumnLabels();
  void applyColorRange();
  void updateTexts();
  void fitTexts();
  void showCellTip(QMouseEvent* event);
  void showContextMenu(const QPoint& pos);
  QSize exportSize() const;

  QCustomPlot* plot_;
  QStackedWidget* pages_;
  QLabel* empty_;
  QCPColorMap* map_;
  QCPColorScale* scale_;
  QVector<QCPItemText*> texts_;  // row-major, one per cell
  QVector<QVector<double>> values_;
  QStringList row_labels_, column_labels_;
  QString format_;
  int rows_ = 0, columns_ = 0;
  bool has_data_ = false;
  bool fixed_range_ = false;
  double lower_ = 0, upper_ = 1;
  double text_size_ = 0;       // points, as fitTexts last chose; 0 before the first layout
  QStringList shown_columns_;  // the column labels as fitColumnLabels last drew them
  double shown_rotation_ = 0;
  QColor empty_text_color_;
};

}  // namespace sy::ui
