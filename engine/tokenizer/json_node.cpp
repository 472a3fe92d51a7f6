// Checked access to tokenizer.json fields, with errors that name the file, field and expectation.
#include "engine/tokenizer/json_node.h"

#include <algorithm>

#include "engine/tokenizer/utf8.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {

JsonNode::JsonNode(const nlohmann::json& value, const std::string& file, std::string path)
    : value_(&value), file_(&file), path_(std::move(path)) {}

std::string JsonNode::child_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool JsonNode::has(const std::string& key) const {
  if (!value_->is_object()) return false;
  const auto it = value_->find(key);
  return it != value_->end() && !it->is_null();
}

JsonNode JsonNode::at(const std::string& key, const std::string& expectation) const {
  if (!value_->is_object()) fail("an object with a field \"" + key + "\"");
  const auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) fail_missing(key, expectation);
  return JsonNode(*it, *file_, child_path(key));
}

std::vector<JsonNode> JsonNode::items(const std::string& expectation) const {
  if (!value_->is_array()) fail(expectation);
  std::vector<JsonNode> out;
  out.reserve(value_->size());
  for (size_t i = 0; i < value_->size(); ++i) {
    out.emplace_back((*value_)[i], *file_, path_ + "[" + std::to_string(i) + "]");
  }
  return out;
}

std::string JsonNode::text() const {
  if (!value_->is_string()) fail("a string");
  return value_->get<std::string>();
}

char32_t JsonNode::character() const {
  const std::vector<char32_t> chars = utf8::to_code_points(text());
  if (chars.size() != 1) fail("a single character");
  return chars[0];
}

int64_t JsonNode::integer() const {
  if (!value_->is_number_integer()) fail("an integer");
  if (value_->is_number_unsigned() && value_->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    fail("an integer");
  }
  return value_->get<int64_t>();
}

int64_t JsonNode::token_id() const {
  const std::string expectation = "a token id from 0 to " + std::to_string(kMaxVocabSize - 1);
  if (!value_->is_number_integer()) fail(expectation);
  const int64_t id = integer();
  if (id < 0 || id >= kMaxVocabSize) fail(expectation);
  return id;
}

bool JsonNode::boolean() const {
  if (!value_->is_boolean()) fail("true or false");
  return value_->get<bool>();
}

std::string JsonNode::text(const std::string& key, const std::string& fallback) const {
  return has(key) ? at(key, "a string").text() : fallback;
}

bool JsonNode::boolean(const std::string& key, bool fallback) const {
  return has(key) ? at(key, "true or false").boolean() : fallback;
}

int64_t JsonNode::integer(const std::string& key, int64_t fallback) const {
  return has(key) ? at(key, "an integer").integer() : fallback;
}

std::string JsonNode::type(const std::vector<std::string>& known) const {
  const std::string expectation = one_of(known);
  const JsonNode node = at("type", expectation);
  if (!node.value().is_string()) node.fail(expectation);
  const std::string name = node.text();
  if (std::find(known.begin(), known.end(), name) == known.end()) node.fail(expectation);
  return name;
}

void JsonNode::fail(const std::string& expectation) const {
  // The path may hold a key of the file (a vocabulary token), as long as the file makes it.
  throw Error(*file_ + ": field \"" +
              (path_.empty() ? std::string("(top level)") : quoted_excerpt(path_)) + "\" is " +
              json_excerpt(*value_) + "; expected " + expectation);
}

void JsonNode::fail_missing(const std::string& key, const std::string& expectation) const {
  throw Error(*file_ + ": field \"" + quoted_excerpt(child_path(key)) + "\" is missing; expected " +
              expectation);
}

std::string one_of(const std::vector<std::string>& names) {
  if (names.size() == 1) return names[0];
  std::string out = "one of ";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

}  // namespace sy
