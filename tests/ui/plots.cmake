# The run plots, offscreen: data reaches every plot, redraws are coalesced, exports are real files.
sy_ui_test(test_plots test_plots.cpp)
target_link_libraries(test_plots PRIVATE switchyard_ui_plots Qt6::Test)
