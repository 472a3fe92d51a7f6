// The installed layout (bin/ next to share/switchyard/) is tried before the source tree, so an
// installed package never reads the checkout it was built from, and a build run in place does.
#include "engine/util/resources.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace sy {
namespace fs = std::filesystem;

std::string resource_path(const std::string& relative) {
  if (const char* env = std::getenv("SWITCHYARD_RESOURCES")) {
    return (fs::path(env) / relative).string();
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share/switchyard" / relative;
    if (fs::exists(installed, ec)) return installed.string();
  }
  return (fs::path(SWITCHYARD_SOURCE_DIR) / "resources" / relative).string();
}

std::string demo_experiment_path() {
  return resource_path("experiments/demo.json");
}

}  // namespace sy
