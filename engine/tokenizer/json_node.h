// Checked reading of tokenizer.json: a JSON value with its file and its path in that file, so
// every error is one sentence naming the file, the field and what was expected
// ("tokenizer.json: field "pre_tokenizer.type" is "Foo"; expected one of ByteLevel, Split").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/tokenizer.h"

namespace sy {

class JsonNode {
 public:
  JsonNode(const nlohmann::json& value, const std::string& file, std::string path);

  const nlohmann::json& value() const { return *value_; }
  const std::string& file() const { return *file_; }
  const std::string& path() const { return path_; }

  // Present and not null.
  bool has(const std::string& key) const;
  // A required field of this object; `expectation` says what it should hold, for the error.
  JsonNode at(const std::string& key, const std::string& expectation) const;
  // A list's items; fails unless this is a list.
  std::vector<JsonNode> items(const std::string& expectation) const;
  // The items of a required list field.
  std::vector<JsonNode> list(const std::string& key, const std::string& expectation) const {
    return at(key, expectation).items(expectation);
  }

  std::string text() const;
  // A string of exactly one character (Unicode code point).
  char32_t character() const;
  int64_t integer() const;
  // An id of the vocabulary: an integer from 0 to kMaxVocabSize - 1.
  int64_t token_id() const;
  bool boolean() const;
  // Optional fields: the fallback when absent or null, an error when of another type.
  std::string text(const std::string& key, const std::string& fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  int64_t integer(const std::string& key, int64_t fallback) const;

  // The "type" field of a component, checked against the types this code implements.
  std::string type(const std::vector<std::string>& known) const;

  // Throws sy::Error: "FILE: field "PATH" is VALUE; expected EXPECTATION".
  [[noreturn]] void fail(const std::string& expectation) const;
  // Throws sy::Error: "FILE: field "PATH.KEY" is missing; expected EXPECTATION".
  [[noreturn]] void fail_missing(const std::string& key, const std::string& expectation) const;

  std::string child_path(const std::string& key) const;

 private:
  const nlohmann::json* value_;
  const std::string* file_;
  std::string path_;
};

// "one of A, B, C" for error messages.
std::string one_of(const std::vector<std::string>& names);

}  // namespace sy
