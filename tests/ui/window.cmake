sy_ui_test(test_main_window test_main_window.cpp)
target_link_libraries(test_main_window PRIVATE switchyard_ui Qt6::Test)
# A burst of 40 000 live events through a child process, the queue and the window: replots stay
# at one per ~40 ms and the event loop keeps turning.
sy_ui_test(test_live_events test_live_events.cpp)
target_link_libraries(test_live_events PRIVATE switchyard_ui Qt6::Test)
