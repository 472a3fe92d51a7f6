// An on/off switch for a fast path that starts from an environment variable (on unless it is set
// to "0") and that tests and benchmarks flip at run time to compare with the plain path.
#pragma once

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace sy {

class EnvSwitch {
 public:
  explicit EnvSwitch(const char* variable) : on_(from_env(variable)) {}
  bool on() const { return on_.load(); }
  void set(bool on) { on_.store(on); }

 private:
  static bool from_env(const char* variable) {
    const char* value = std::getenv(variable);
    return value == nullptr || std::strcmp(value, "0") != 0;
  }
  std::atomic<bool> on_;
};

}  // namespace sy
