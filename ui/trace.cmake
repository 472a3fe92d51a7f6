# One run as drawn (RunTrace, from the store or from events) and which runs differ only by seed.
sy_ui_library(switchyard_ui_trace run_trace.cpp seed_group.cpp)
