# The keys answered outside the menus (Ask's Ctrl+Return, the notes' Return and Delete, the loss
# plot's Home), in one table that the widgets read and the shortcuts dialog lists.
sy_ui_library(switchyard_ui_keys key_bindings.cpp)
