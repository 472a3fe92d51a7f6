// The one exception type the engine throws for problems a user can cause (bad file, bad setting,
// missing model). Its message is a full sentence naming the file, the field and the expectation.
#pragma once

#include <stdexcept>
#include <string>

namespace sy {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace sy
