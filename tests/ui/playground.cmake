# The playground's suite: a /bin/sh stand-in for `switchyard-engine serve`, and the real engine
# (SWITCHYARD_ENGINE, else SY_ENGINE_BIN) when it has the serve command.
sy_ui_test(test_playground test_playground.cpp)
target_link_libraries(test_playground PRIVATE switchyard_ui_playground Qt6::Test)
