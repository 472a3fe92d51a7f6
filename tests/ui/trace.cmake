sy_ui_test(test_run_trace test_run_trace.cpp)
target_link_libraries(test_run_trace PRIVATE switchyard_ui_trace Qt6::Test)
# The runs in progress without a window (LiveTraces): routing, following, ending.
sy_ui_test(test_live_traces test_live_traces.cpp)
target_link_libraries(test_live_traces PRIVATE switchyard_ui_trace Qt6::Test)
