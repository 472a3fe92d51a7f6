# The run plots, offscreen: data reaches every plot, redraws are coalesced, exports are real files.
sy_ui_test(test_plots test_plots.cpp)
target_link_libraries(test_plots PRIVATE switchyard_ui_plots Qt6::Test)
# The live plots' one coalescing layer, by counts: updates in, frames and replots out.
sy_ui_test(test_frame_coalescer test_frame_coalescer.cpp)
target_link_libraries(test_frame_coalescer PRIVATE switchyard_ui_plots Qt6::Test)
