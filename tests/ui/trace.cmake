sy_ui_test(test_run_trace test_run_trace.cpp)
target_link_libraries(test_run_trace PRIVATE switchyard_ui_trace Qt6::Test)
