# The run list: the database's runs as an item model, the same list with seed replicates folded
# into one row per setting, and the panel that shows either (filter, view, kept selection).
sy_ui_library(switchyard_ui_runs run_list_model.cpp seed_group_model.cpp run_list_panel.cpp)
target_link_libraries(switchyard_ui_runs PUBLIC switchyard_ui_trace switchyard_ui_colors)
