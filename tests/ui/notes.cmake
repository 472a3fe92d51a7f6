# The tags-and-notes panel, offscreen: what it lists and what it asks the window for.
sy_ui_test(test_run_notes test_run_notes.cpp)
target_link_libraries(test_run_notes PRIVATE switchyard_ui_notes Qt6::Test)
