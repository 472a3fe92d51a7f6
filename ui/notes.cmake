# The shown run's tags and notes: a panel that lists them and asks the window to change them.
sy_ui_library(switchyard_ui_notes run_notes.cpp)
target_link_libraries(switchyard_ui_notes PUBLIC switchyard_ui_keys)
