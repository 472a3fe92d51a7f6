# The experiment designer: a form that reads and writes experiment files (docs/experiments.md).
# It asks the engine for its built-in tasks, so it reuses the run scheduler's engine lookup.
sy_ui_library(switchyard_ui_designer experiment_designer.cpp)
target_link_libraries(switchyard_ui_designer PUBLIC switchyard_ui_process)
