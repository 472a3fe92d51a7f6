// Category labels under an axis (stages, tasks) that never run into each other: whole and level
// where they fit, slanted and elided where level ones would collide, and the short form (the
// stage number) where even slanted ones would. Widget-free: decided from the room per tick and
// the font, so that screen, export and tests agree.
#pragma once

#include <QFont>
#include <QStringList>

namespace sy::ui {

struct TickLabels {
  QStringList labels;   // what to draw under each tick
  double rotation = 0;  // degrees, as QCPAxis::setTickLabelRotation takes it
};

// `full[i]` or `brief[i]` for each tick, `spacing` pixels apart. Slanted labels are elided to
// `max_slanted` pixels, so that they do not take the plot's height.
TickLabels fit_tick_labels(const QStringList& full, const QStringList& brief, double spacing,
                           const QFont& font, int max_slanted = 110);

// The angle fit_tick_labels slants by.
constexpr double kSlantedTickDegrees = 40;

}  // namespace sy::ui
