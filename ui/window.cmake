# The main window, on top of the other parts: the library the GUI links.
sy_ui_library(switchyard_ui main_window.cpp slurm_dialog.cpp)
target_link_libraries(switchyard_ui PUBLIC switchyard_ui_trace switchyard_ui_process
  switchyard_ui_plots switchyard_ui_compare switchyard_ui_designer switchyard_ui_playground
  switchyard_ui_runs switchyard_ui_notes switchyard_resources)
