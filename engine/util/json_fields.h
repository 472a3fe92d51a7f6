// Typed, checked reading of a JSON object's fields for settings files: every error names the
// file and the field's full path ("demo.json: strategies[2].fraction must be ..."), and unknown
// fields are errors, so that a typo never silently falls back to a default.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sy {

class JsonFields {
 public:
  // `where` is the path of this object inside the file ("" for the top level).
  JsonFields(const nlohmann::json& object, std::string file, std::string where);

  bool has(const std::string& key) const;
  std::string text(const std::string& key, const std::string& fallback);
  int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  double number(const std::string& key, double fallback, double min, double max);
  bool boolean(const std::string& key, bool fallback);
  std::vector<std::string> texts(const std::string& key, const std::vector<std::string>& fallback);
  // A nested object (an empty one when absent).
  JsonFields object(const std::string& key);
  // The field as it is (null when absent); the caller checks it.
  const nlohmann::json& raw(const std::string& key);

  std::string path(const std::string& key) const;  // "strategies[2].fraction"
  [[noreturn]] void fail(const std::string& key, const std::string& expectation) const;
  // Throws for a field that no getter asked for.
  void reject_unknown() const;

 private:
  const nlohmann::json* find(const std::string& key);

  const nlohmann::json& object_;
  std::string file_;
  std::string where_;
  std::set<std::string> seen_;
};

}  // namespace sy
