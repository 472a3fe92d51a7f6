// The one colour of the app's error lines (a value the engine refuses, a damaged database, a
// failed answer, memory that does not fit), as a style sheet for a QLabel.
#pragma once

namespace sy::ui {

inline constexpr char kErrorTextStyle[] = "color: #c0392b";

}  // namespace sy::ui
