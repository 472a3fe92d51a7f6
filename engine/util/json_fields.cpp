// Checked JSON field access.
#include "engine/util/json_fields.h"

#include <cmath>

#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {
namespace {
const nlohmann::json& empty_object() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}
}  // namespace

JsonFields::JsonFields(const nlohmann::json& object, std::string file, std::string where)
    : object_(object.is_null() ? empty_object() : object),
      file_(std::move(file)),
      where_(std::move(where)) {
  if (!object_.is_object()) {
    throw Error(file_ + ": " + (where_.empty() ? std::string("the file") : where_) +
                " must be a JSON object, found " + object.type_name() + ".");
  }
}

std::string JsonFields::path(const std::string& key) const {
  return where_.empty() ? key : where_ + "." + key;
}

void JsonFields::fail(const std::string& key, const std::string& expectation) const {
  throw Error(file_ + ": " + path(key) + " " + expectation + ".");
}

bool JsonFields::has(const std::string& key) const {
  return object_.contains(key);
}

const nlohmann::json* JsonFields::find(const std::string& key) {
  seen_.insert(key);
  auto it = object_.find(key);
  return it == object_.end() || it->is_null() ? nullptr : &*it;
}

const nlohmann::json& JsonFields::raw(const std::string& key) {
  static const nlohmann::json null_value;
  seen_.insert(key);
  auto it = object_.find(key);
  return it == object_.end() ? null_value : *it;
}

std::string JsonFields::text(const std::string& key, const std::string& fallback) {
  const auto* v = find(key);
  if (!v) return fallback;
  if (!v->is_string()) fail(key, std::string("must be a string, found ") + v->type_name());
  return v->get<std::string>();
}

int64_t JsonFields::integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  const auto* v = find(key);
  if (!v) return fallback;
  const std::string range = "; expected " + std::to_string(min) + " to " + std::to_string(max);
  // Read as what JSON holds, never wrapped: 2^63 is out of range, not -2^63.
  if (v->is_number_unsigned()) {
    const uint64_t x = v->get<uint64_t>();
    if (max < 0 || x > static_cast<uint64_t>(max) || (min > 0 && x < static_cast<uint64_t>(min))) {
      fail(key, "is " + v->dump() + range);
    }
    return static_cast<int64_t>(x);
  }
  // Beyond 64 bits the parser gives a float: out of range too, not "not an integer".
  if (v->is_number_float() && std::isfinite(v->get<double>()) &&
      std::floor(v->get<double>()) == v->get<double>() && std::fabs(v->get<double>()) >= 9.2e18) {
    fail(key, "is " + v->dump() + range);
  }
  if (!v->is_number_integer())
    fail(key, std::string("must be an integer, found ") + json_excerpt(*v));
  const int64_t x = v->get<int64_t>();
  if (x < min || x > max) fail(key, "is " + std::to_string(x) + range);
  return x;
}

double JsonFields::number(const std::string& key, double fallback, double min, double max) {
  const auto* v = find(key);
  if (!v) return fallback;
  if (!v->is_number()) fail(key, std::string("must be a number, found ") + json_excerpt(*v));
  const double x = v->get<double>();
  if (!(x >= min && x <= max)) {
    fail(key, "is " + json_excerpt(*v) + "; expected a number from " + nlohmann::json(min).dump() +
                  " to " + nlohmann::json(max).dump());
  }
  return x;
}

bool JsonFields::boolean(const std::string& key, bool fallback) {
  const auto* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail(key, std::string("must be true or false, found ") + json_excerpt(*v));
  return v->get<bool>();
}

std::vector<std::string> JsonFields::texts(const std::string& key,
                                           const std::vector<std::string>& fallback) {
  const auto* v = find(key);
  if (!v) return fallback;
  if (!v->is_array()) fail(key, "must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) fail(key, "must be a list of strings, found " + json_excerpt(item));
    out.push_back(item.get<std::string>());
  }
  return out;
}

JsonFields JsonFields::object(const std::string& key) {
  const auto* v = find(key);
  return JsonFields(v ? *v : empty_object(), file_, path(key));
}

void JsonFields::reject_unknown() const {
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (!seen_.count(it.key())) {
      std::string known;
      for (const std::string& key : seen_) known += (known.empty() ? "" : ", ") + key;
      throw Error(file_ + ": " + path(it.key()) + " is not a known field; check its spelling" +
                  (known.empty() ? std::string(".") : " (known fields: " + known + ")."));
    }
  }
}

}  // namespace sy
