// The one exception type of storage/: a problem with the database file or a request the caller
// can fix, as one sentence naming the file and what was expected. storage/ cannot include engine
// headers, so this is its own class; the engine and the GUI catch it beside sy::Error.
#pragma once

#include <stdexcept>
#include <string>

namespace sy::store {

class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace sy::store
