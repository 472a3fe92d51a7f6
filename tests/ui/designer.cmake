# The experiment designer's suite; it asks the real engine for its tasks and runs a saved file.
sy_ui_test(test_experiment_designer test_experiment_designer.cpp)
target_link_libraries(test_experiment_designer PRIVATE switchyard_ui_designer Qt6::Test)
# The draft behind the form, without widgets: checks at the bounds, JSON in and out, the engine's
# task list and estimate.
sy_ui_test(test_experiment_draft test_experiment_draft.cpp)
target_link_libraries(test_experiment_draft PRIVATE switchyard_ui_designer Qt6::Test)
# The experiment file as the window handles it: Save's verdict from the engine, Run leaving the
# user's file alone, a malformed file shown as it is, the form's fit at 1280x720.
sy_ui_test(test_experiment_window test_experiment_window.cpp)
target_link_libraries(test_experiment_window PRIVATE switchyard_ui Qt6::Test)
add_dependencies(test_experiment_window switchyard)  # start_refuses_a_malformed_file runs the app
# Saving over a hand-written file: only the changed values' bytes change.
sy_ui_test(test_json_patch test_json_patch.cpp)
target_link_libraries(test_json_patch PRIVATE switchyard_ui_designer Qt6::Test)
