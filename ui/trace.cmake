# One run as drawn (RunTrace, from the store or from events), the runs in progress (LiveTraces)
# and which runs differ only by seed.
sy_ui_library(switchyard_ui_trace run_trace.cpp live_traces.cpp seed_group.cpp)
# What each strategy is (multitask's one stage, experts, extend), read from the engine's table.
target_link_libraries(switchyard_ui_trace PUBLIC switchyard_strategy_traits)
