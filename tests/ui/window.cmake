sy_ui_test(test_main_window test_main_window.cpp)
target_link_libraries(test_main_window PRIVATE switchyard_ui Qt6::Test)
