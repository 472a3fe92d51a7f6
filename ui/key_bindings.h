// The keys the app answers to outside its menus, in one table: Ask's Ctrl+Return, the notes'
// Return and Delete, the loss plot's Home. The widgets that answer a key take it from here (a
// QShortcut made from it, or a key press matched against it), and Help > Keyboard shortcuts lists
// this table beside the menu actions' own shortcuts, so the list cannot drift from the keys.
#pragma once

#include <QKeySequence>
#include <QList>
#include <QString>

class QKeyEvent;

namespace sy::ui {

enum class KeyBinding {
  Ask,              // the Ask tab: ask the model
  AddTagOrNote,     // the tag or note box: add it
  RemoveTagOrNote,  // the tag or note list: remove the selected one
  ResetZoom,        // a loss plot: follow the data again
};

struct KeyBindingInfo {
  KeyBinding id;
  QList<QKeySequence> keys;  // the first is the one shown in tooltips and placeholders
  QString where;             // "Ask tab", "Tags and notes", ...
  QString what;              // "ask the model"
};

// Every row, in the order the shortcuts dialog lists them.
const QList<KeyBindingInfo>& key_bindings();
const KeyBindingInfo& key_binding(KeyBinding id);
// The first key as the user reads it ("Ctrl+Return"): for tooltips and placeholders.
QString key_text(KeyBinding id);
// Whether a key press is one of the binding's keys.
bool key_matches(KeyBinding id, const QKeyEvent* event);

}  // namespace sy::ui
