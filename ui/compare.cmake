# Several runs side by side: score matrices, retention per task, summary and differing settings.
sy_ui_library(switchyard_ui_compare compare_view.cpp)
target_link_libraries(switchyard_ui_compare PUBLIC switchyard_ui_plots switchyard_ui_trace)
