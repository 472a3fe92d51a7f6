// Test helper shared by the suites: the message of the sy::Error a piece of code throws, so a test
// can check that an error names the file, the field and the expectation.
#pragma once

#include <functional>
#include <string>

#include "engine/util/error.h"

namespace sy::test {

// The message of the sy::Error that `body` throws, or "" when it throws none.
inline std::string error_message(const std::function<void()>& body) {
  try {
    body();
  } catch (const sy::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace sy::test
