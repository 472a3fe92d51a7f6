# The compare view, offscreen: shared colour range, seed bands, Δ columns, differing settings, CSV.
sy_ui_test(test_compare_view test_compare_view.cpp)
target_link_libraries(test_compare_view PRIVATE switchyard_ui_compare Qt6::Test)
