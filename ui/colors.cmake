# The colours that name runs and tasks everywhere, and the plot colours taken from the desktop's
# palette: widget-free, so the run list and the plots share them.
sy_ui_library(switchyard_ui_colors run_color.cpp plot_palette.cpp)
