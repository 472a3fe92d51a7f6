# The "Ask the model" playground: a warm `switchyard-engine serve` process and the form on it.
sy_ui_library(switchyard_ui_playground serve_client.cpp playground.cpp)
target_link_libraries(switchyard_ui_playground PUBLIC switchyard_ui_process switchyard_ui_keys)
