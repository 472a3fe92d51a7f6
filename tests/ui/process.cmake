# The run scheduler's suite; it starts the real engine (SWITCHYARD_ENGINE, else SY_ENGINE_BIN).
sy_ui_test(test_run_queue test_run_queue.cpp)
target_link_libraries(test_run_queue PRIVATE switchyard_ui_process Qt6::Test)
