// The table of keys answered outside the menus; see key_bindings.h.
#include "ui/key_bindings.h"

#include <QCoreApplication>
#include <QKeyEvent>

namespace sy::ui {

namespace {

QString tr(const char* text) {
  return QCoreApplication::translate("KeyBindings", text);
}

}  // namespace

const QList<KeyBindingInfo>& key_bindings() {
  static const QList<KeyBindingInfo> table = {
      {KeyBinding::Ask,
       {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)},
       tr("Ask tab"),
       tr("Ask the model (Return in the instruction box too)")},
      {KeyBinding::AddTagOrNote,
       {QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)},
       tr("Tags and notes"),
       tr("Add the tag or note typed in its box")},
      {KeyBinding::RemoveTagOrNote,
       {QKeySequence(Qt::Key_Delete), QKeySequence(Qt::Key_Backspace)},
       tr("Tags and notes"),
       tr("Remove the selected tag, delete the selected note")},
      {KeyBinding::ResetZoom,
       {QKeySequence(Qt::Key_Home)},
       tr("Loss plot"),
       tr("Reset the zoom: follow the data again (or double-click)")},
  };
  return table;
}

const KeyBindingInfo& key_binding(KeyBinding id) {
  for (const KeyBindingInfo& binding : key_bindings())
    if (binding.id == id) return binding;
  return key_bindings().first();  // unreachable: every id has a row
}

QString key_text(KeyBinding id) {
  return key_binding(id).keys.value(0).toString(QKeySequence::NativeText);
}

bool key_matches(KeyBinding id, const QKeyEvent* event) {
  // The keypad's Enter comes with KeypadModifier: the same key to the user.
  const QKeySequence pressed(
      QKeyCombination(event->modifiers() & ~Qt::KeypadModifier, Qt::Key(event->key())));
  for (const QKeySequence& key : key_binding(id).keys)
    if (key == pressed) return true;
  return false;
}

}  // namespace sy::ui
