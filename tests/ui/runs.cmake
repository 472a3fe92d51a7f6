# The run list and its seed groups on real SQLite files, under QAbstractItemModelTester.
sy_ui_test(test_run_list test_run_list.cpp)
target_link_libraries(test_run_list PRIVATE switchyard_ui_runs Qt6::Test)
# What a run list row says about its run: quick or full, finished of planned stages, diverged,
# duration.
sy_ui_test(test_run_list_columns test_run_list_columns.cpp)
target_link_libraries(test_run_list_columns PRIVATE switchyard_ui_runs Qt6::Test)
