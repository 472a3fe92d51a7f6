# The run scheduler: engine processes (QProcess, JSON-lines events), the queue that runs them, and
# the submission of a plan to Slurm.
sy_ui_library(switchyard_ui_process engine_process.cpp run_queue.cpp slurm_submission.cpp
  memory_estimator.cpp)
# EngineProcess reads its events with run_trace.h's event_from_line.
target_link_libraries(switchyard_ui_process PUBLIC switchyard_ui_trace)
