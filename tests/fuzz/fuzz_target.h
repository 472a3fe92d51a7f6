// What every fuzz target (tests/fuzz/*.cpp, docs/fuzzing.md) shares: the rule that bad input must
// end in our own bounded sy::Error, and a file to hand the bytes to readers that take a path.
// Anything else escapes LLVMFuzzerTestOneInput and is a finding: a crash, a sanitizer report, an
// out-of-memory, std::bad_alloc, a LibTorch c10::Error, any exception that the CLI would print as
// "internal error", or an error message that is unbounded or says "Internal error".
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/util/error.h"

namespace sy::fuzz {

// The longest error message a hostile input may produce; every quoted value is cut much shorter.
constexpr size_t kMaxErrorChars = 2048;

template <typename Body>
int run(Body body) {
  try {
    body();
  } catch (const sy::Error& e) {
    const size_t length = std::strlen(e.what());
    if (length > kMaxErrorChars || std::strncmp(e.what(), "Internal error", 14) == 0) {
      std::fprintf(stderr, "fuzz finding: a sy::Error of %zu characters: %.300s\n", length,
                   e.what());
      std::abort();
    }
  }
  return 0;
}

// The input as the file `name` in a folder of this process's own; rewritten for every input.
inline std::string as_file(const uint8_t* data, size_t size, const char* name) {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string d = std::string(tmp && *tmp ? tmp : "/tmp") + "/sy-fuzz-" +
                    std::to_string(static_cast<long>(::getpid()));
    ::mkdir(d.c_str(), 0700);
    return d;
  }();
  const std::string path = dir + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace sy::fuzz
