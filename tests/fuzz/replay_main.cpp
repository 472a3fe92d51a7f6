// The regression side of a fuzz target, built with the normal compiler: feeds every file under
// the folders (or files) it is given through the target's LLVMFuzzerTestOneInput, as libFuzzer
// would, so CI keeps checking the seeds and every input a fuzzer once found, without clang.
// An input that escapes with an exception fails the run, naming the file; a crash fails it too.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (fs::is_directory(argv[i])) {
      for (const auto& entry : fs::recursive_directory_iterator(argv[i])) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
    } else {
      inputs.emplace_back(argv[i]);
    }
  }
  std::sort(inputs.begin(), inputs.end());
  int failures = 0;
  for (const fs::path& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    std::fprintf(stderr, "%s (%zu bytes)\n", path.c_str(), bytes.size());
    try {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "FAIL: %s escaped with %s\n", path.c_str(), e.what());
      ++failures;
    }
  }
  std::printf("%zu inputs, %d failed\n", inputs.size(), failures);
  return inputs.empty() || failures ? 1 : 0;
}
