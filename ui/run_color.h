// The colours that name things in every plot and list: one colour per run (run list swatch, loss
// curves, compare lines), derived from the run's id so that a run keeps its colour across views,
// selection orders and restarts; tasks have a palette of their own (matplotlib's tab10), so that a
// run's colour is never mistaken for a task's. Torch-free and widget-free.
#pragma once

#include <QColor>

#include <cstdint>

namespace sy::ui {

// Runs with consecutive ids (the runs of one experiment) get different colours; the palette
// repeats after run_color_count() ids. Id 0 (not stored yet) has a colour too.
QColor run_color(int64_t run_id);
int run_color_count();

// Task j of a sequence (0-based), the same in every plot.
QColor task_color(int task);

}  // namespace sy::ui
