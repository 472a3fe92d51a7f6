// Plot colours from the desktop's palette; see plot_palette.h.
#include "ui/plot_palette.h"

namespace sy::ui {

bool is_dark(const QPalette& palette) {
  return palette.color(QPalette::Window).lightnessF() <
         palette.color(QPalette::WindowText).lightnessF();
}

QColor blend(const QColor& color, const QColor& background, double alpha) {
  const auto mix = [alpha](double a, double b) { return alpha * a + (1 - alpha) * b; };
  return QColor::fromRgbF(float(mix(color.redF(), background.redF())),
                          float(mix(color.greenF(), background.greenF())),
                          float(mix(color.blueF(), background.blueF())));
}

PlotPalette plot_palette(const QPalette& palette) {
  PlotPalette out;
  out.dark = is_dark(palette);
  out.background = palette.color(QPalette::Base);
  out.text = palette.color(QPalette::Text);
  // Lines between the text and the background: visible without competing with the data.
  out.axis = blend(out.text, out.background, 0.6);
  out.grid = blend(out.text, out.background, out.dark ? 0.22 : 0.15);
  out.faint_text = blend(out.text, out.background, 0.6);
  out.missing = blend(out.text, out.background, out.dark ? 0.25 : 0.12);
  return out;
}

QPalette dark_palette() {
  const QColor window(0x2a, 0x2e, 0x32), base(0x1b, 0x1e, 0x20), text(0xfc, 0xfc, 0xfc);
  const QColor button(0x31, 0x36, 0x3b), highlight(0x3d, 0xae, 0xe9);
  const QColor disabled(0x72, 0x77, 0x7b);
  QPalette p;
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, QColor(0x23, 0x26, 0x29));
  p.setColor(QPalette::ToolTipBase, window);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, disabled);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, button);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(0xff, 0x55, 0x55));
  p.setColor(QPalette::Light, QColor(0x40, 0x46, 0x4c));
  p.setColor(QPalette::Midlight, QColor(0x36, 0x3b, 0x40));
  p.setColor(QPalette::Mid, QColor(0x26, 0x29, 0x2c));
  p.setColor(QPalette::Dark, QColor(0x1b, 0x1e, 0x20));
  p.setColor(QPalette::Shadow, QColor(0x0e, 0x10, 0x11));
  p.setColor(QPalette::Highlight, highlight);
  p.setColor(QPalette::HighlightedText, text);
  p.setColor(QPalette::Link, highlight);
  p.setColor(QPalette::LinkVisited, QColor(0x9b, 0x59, 0xb6));
  for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
    p.setColor(QPalette::Disabled, role, disabled);
  return p;
}

}  // namespace sy::ui
