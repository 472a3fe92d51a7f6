// Run and task colours; see run_color.h.
#include "ui/run_color.h"

#include <iterator>

namespace sy::ui {

namespace {

// Paul Tol's "vibrant" and "muted" qualitative colours, mid-light so that each reads on a light
// and on a dark background, ordered so that neighbours differ in hue; none is one of tab10's.
const QColor kRunPalette[] = {
    QColor(0x00, 0x77, 0xbb), QColor(0xee, 0x77, 0x33), QColor(0x00, 0x99, 0x88),
    QColor(0xee, 0x33, 0x77), QColor(0x33, 0xbb, 0xee), QColor(0xcc, 0x33, 0x11),
    QColor(0xaa, 0x44, 0x99), QColor(0x99, 0x99, 0x33), QColor(0x44, 0xaa, 0x99),
    QColor(0xdd, 0xaa, 0x33), QColor(0x88, 0x22, 0x55), QColor(0x66, 0x99, 0xcc)};

const QColor kTaskPalette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e),
                               QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
                               QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                               QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f),
                               QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf)};

template <int N>
int wrap(int64_t i) {
  return int(((i % N) + N) % N);
}

}  // namespace

int run_color_count() {
  return int(std::size(kRunPalette));
}

QColor run_color(int64_t run_id) {
  // By id, not by the order shown: a run selected first in one comparison and third in another
  // keeps its colour, and so does a run across restarts (ids are the database's).
  return kRunPalette[wrap<int(std::size(kRunPalette))>(run_id)];
}

QColor task_color(int task) {
  return kTaskPalette[wrap<int(std::size(kTaskPalette))>(task)];
}

}  // namespace sy::ui
