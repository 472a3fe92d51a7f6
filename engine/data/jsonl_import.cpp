// JSONL import. A user's file is the likeliest source of bad input in the whole engine, so every
// problem is reported as "file:line: what is wrong; what was expected" and nothing is half-loaded.
#include "engine/data/jsonl_import.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/util/error.h"
#include "engine/util/json_file.h"
#include "engine/util/rng.h"

namespace sy {

namespace {

// Calls `on_line(line, number)` for every line of the file (without its '\n'), reading in pieces so
// that no line longer than `max_line_bytes` is ever held whole.
template <typename OnLine>
void for_each_line(const std::string& path, size_t max_line_bytes, OnLine on_line) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) throw Error("cannot open " + path + ": " + std::strerror(errno));
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{file};
  std::string line;
  int line_number = 1;
  char buffer[65536];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
    for (size_t begin = 0; begin < got;) {
      const char* newline =
          static_cast<const char*>(std::memchr(buffer + begin, '\n', got - begin));
      const size_t end = newline ? static_cast<size_t>(newline - buffer) : got;
      line.append(buffer + begin, end - begin);
      if (line.size() > max_line_bytes) {
        throw Error(path + ":" + std::to_string(line_number) + ": line is longer than " +
                    std::to_string(max_line_bytes) +
                    " bytes; expected one example per line, each at most that long");
      }
      begin = end;
      if (newline) {
        on_line(line, line_number++);
        line.clear();
        begin = end + 1;
      }
    }
  }
  if (std::ferror(file) != 0) throw Error("cannot read " + path + ": " + std::strerror(errno));
  if (!line.empty()) on_line(line, line_number);
}

bool is_blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
  });
}

std::string string_field(const nlohmann::json& object, const char* field, bool required,
                         const std::string& where) {
  const auto it = object.find(field);
  if (it == object.end()) {
    if (!required) return "";
    throw Error(where + ": field \"" + field + "\" is missing; expected a string");
  }
  if (!it->is_string()) {
    throw Error(where + ": field \"" + field + "\" must be a string, found " + it->type_name());
  }
  return it->get<std::string>();
}

}  // namespace

std::vector<Example> read_jsonl_examples(const std::string& path, size_t max_line_bytes) {
  std::vector<Example> examples;
  for_each_line(path, max_line_bytes, [&](std::string& line, int line_number) {
    // Files saved by some Windows editors start with a UTF-8 byte order mark.
    if (line_number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (is_blank(line)) return;

    const std::string where = path + ":" + std::to_string(line_number);
    const nlohmann::json object = parse_json(line, where);
    if (!object.is_object()) {
      throw Error(where + ": found a JSON " + std::string(object.type_name()) +
                  "; expected an object with \"instruction\" and \"output\"");
    }
    Example example;
    example.instruction = string_field(object, "instruction", true, where);
    example.input = string_field(object, "input", false, where);
    example.output = string_field(object, "output", true, where);
    examples.push_back(std::move(example));
  });
  if (examples.empty()) {
    throw Error(
        path + " holds no examples; expected one JSON object per line with instruction and output");
  }
  return examples;
}

Task task_from_jsonl(const std::string& name, const std::string& train_path,
                     const std::string& test_path, double test_fraction, uint64_t seed) {
  Task task;
  task.name = name;
  task.metric = "exact";
  if (!test_path.empty()) {
    task.description = "Imported from " + train_path + " (test: " + test_path + ").";
    task.train = read_jsonl_examples(train_path);
    task.test = read_jsonl_examples(test_path);
    return task;
  }

  if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
    std::ostringstream fraction;
    fraction << test_fraction;
    throw Error("task \"" + name + "\": test fraction " + fraction.str() +
                " is out of range; expected a number strictly between 0 and 1 to split " +
                train_path + " into train and test");
  }
  std::vector<Example> examples = read_jsonl_examples(train_path);
  const size_t n = examples.size();
  if (n < 2) {
    throw Error(train_path +
                " holds only 1 example; expected at least 2 to split it into train and test");
  }
  const auto rounded = static_cast<size_t>(std::llround(test_fraction * static_cast<double>(n)));
  const size_t n_test = std::clamp<size_t>(rounded, 1, n - 1);

  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  Rng rng(seed);
  rng.shuffle(order);
  // Each split back in file order: easier to read, and the same set either way.
  std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_test));
  std::sort(order.begin() + static_cast<std::ptrdiff_t>(n_test), order.end());
  for (size_t k = 0; k < n; ++k) {
    std::vector<Example>& split = k < n_test ? task.test : task.train;
    split.push_back(std::move(examples[order[k]]));
  }
  task.description = "Imported from " + train_path + ", " + std::to_string(n_test) + " of " +
                     std::to_string(n) + " examples held out for test.";
  return task;
}

}  // namespace sy
