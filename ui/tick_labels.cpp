// Category tick labels that fit; see tick_labels.h.
#include "ui/tick_labels.h"

#include <QFontMetricsF>

#include <algorithm>
#include <cmath>

namespace sy::ui {

TickLabels fit_tick_labels(const QStringList& full, const QStringList& brief, double spacing,
                           const QFont& font, int max_slanted) {
  const QFontMetricsF metrics(font);
  constexpr double kGap = 8;  // pixels between neighbours, so that they read as two labels
  double widest = 0;
  for (const QString& label : full) widest = std::max(widest, metrics.horizontalAdvance(label));
  if (widest + kGap <= spacing) return {full, 0};
  // Slanted labels are parallel strips: neighbours clear each other when the ticks are at least
  // one line height apart, measured across the slant.
  const double across = metrics.height() / std::sin(kSlantedTickDegrees * M_PI / 180) + 2;
  if (across <= spacing) {
    TickLabels out{{}, kSlantedTickDegrees};
    for (const QString& label : full)
      out.labels << metrics.elidedText(label, Qt::ElideRight, max_slanted);
    return out;
  }
  return {brief, 0};
}

}  // namespace sy::ui
