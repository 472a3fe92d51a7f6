# The plots of one run (QCustomPlot widgets); they read sy::ui::RunTrace's fields only, and redraw
# live runs once per frame (FrameCoalescer).
sy_ui_library(switchyard_ui_plots loss_plot.cpp retention_plot.cpp matrix_heatmap.cpp run_plots.cpp
  frame_coalescer.cpp frame_replot.cpp plot_export.cpp plot_style.cpp line_plot_controls.cpp ema.cpp tick_labels.cpp)
target_link_libraries(switchyard_ui_plots PUBLIC switchyard_ui_colors switchyard_ui_keys)
# What each strategy is (multitask's one stage, shared experts), read from the engine's table.
target_link_libraries(switchyard_ui_plots PUBLIC switchyard_strategy_traits)
