# The run list and its seed groups on real SQLite files, under QAbstractItemModelTester.
sy_ui_test(test_run_list test_run_list.cpp)
target_link_libraries(test_run_list PRIVATE switchyard_ui_runs Qt6::Test)
