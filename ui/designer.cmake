# The experiment designer: the draft of an experiment file without widgets (values, checks, JSON,
# the memory estimate, the engine's verdict on the saved file, saving over a hand-written file without
# reformatting it: json_patch) and the form bound to it (docs/experiments.md).
# It asks the engine for its built-in tasks, so it reuses the run scheduler's engine lookup.
sy_ui_library(switchyard_ui_designer experiment_draft.cpp experiment_designer.cpp json_patch.cpp)
target_link_libraries(switchyard_ui_designer PUBLIC switchyard_ui_process)
