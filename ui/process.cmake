# The run scheduler: engine processes (QProcess, JSON-lines events) and the queue that runs them.
sy_ui_library(switchyard_ui_process engine_process.cpp run_queue.cpp)
