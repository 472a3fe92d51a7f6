// The experiment file's schema, once: every field with its type, default, range or choices and a
// line of help; the strategies with their traits and their own settings; the built-in tasks with
// their metric. experiment.cpp validates files against it and `switchyard-engine schema --json`
// prints it (docs/engine-cli.md, "schema"), from which the GUI builds its form.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/cl/strategy_traits.h"

namespace sy {

enum class FieldType {
  String,
  Integer,
  Number,
  Boolean,
  Choice,
  Strings,
  Integers,
  Tasks,
  Strategies
};

struct FieldSpec {
  std::string key;  // path inside its object: "training.steps", "lora.r", "name"
  FieldType type = FieldType::String;
  nlohmann::json default_value;  // null: computed, as default_text says
  std::string default_text;
  nlohmann::json min, max;  // Integer, Number (and the items of Integers): inclusive; else null
  std::vector<std::string> choices;  // Choice
  // String: an ECMAScript regular expression the whole value must match, e.g. the device's
  // "auto|cpu|cuda(:[0-9]+)?"; empty: any text. expectation() then says it in words (the help).
  std::string pattern;
  size_t min_items = 0;  // lists
  bool required = false;
  std::string inherits;       // strategy fields: the experiment field giving the default
  std::string inherits_full;  // strategy lr: the field inherited when training the whole model
  std::string help;

  // The last part of the key: what the field is called inside its own object.
  std::string leaf() const;
  // "1 to 1000000000", "constant, linear or cosine": the expectation an error states.
  std::string expectation() const;
  // Whether a String field's text matches its pattern (always, without one).
  bool matches(const std::string& text) const;
};

struct StrategySchema {
  const StrategyTraits* traits = nullptr;
  std::vector<FieldSpec> fields;  // what a strategy object may hold besides "name"
};

struct ExperimentSchema {
  std::vector<FieldSpec> fields;       // the experiment object
  std::vector<FieldSpec> task_fields;  // a task object of "tasks"
  std::vector<StrategySchema> strategies;
};

const ExperimentSchema& experiment_schema();
// The field `key` of `fields`; throws std::logic_error when the schema lacks it (a bug).
const FieldSpec& schema_field(const std::vector<FieldSpec>& fields, std::string_view key);
const StrategySchema& strategy_schema(std::string_view name);
// The JSON document of docs/engine-cli.md ("schema").
nlohmann::json schema_json();

}  // namespace sy
