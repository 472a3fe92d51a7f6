// The schema's table. Ranges and defaults live here only: the parser (experiment.cpp) reads them
// from this table, and the GUI reads them from `schema --json`.
#include "engine/run/experiment_schema.h"

#include <cstdint>
#include <limits>
#include <regex>
#include <stdexcept>

#include "engine/data/builtin_tasks.h"

namespace sy {
namespace {

using nlohmann::json;

constexpr int64_t kBig = 1'000'000'000;

FieldSpec text(std::string key, json default_value, std::string help) {
  FieldSpec f;
  f.key = std::move(key);
  f.type = FieldType::String;
  f.default_value = std::move(default_value);
  f.help = std::move(help);
  return f;
}

FieldSpec integer(std::string key, int64_t default_value, int64_t min, int64_t max,
                  std::string help) {
  FieldSpec f;
  f.key = std::move(key);
  f.type = FieldType::Integer;
  f.default_value = default_value;
  f.min = min;
  f.max = max;
  f.help = std::move(help);
  return f;
}

FieldSpec number(std::string key, double default_value, double min, double max, std::string help) {
  FieldSpec f;
  f.key = std::move(key);
  f.type = FieldType::Number;
  f.default_value = default_value;
  f.min = min;
  f.max = max;
  f.help = std::move(help);
  return f;
}

FieldSpec choice(std::string key, json default_value, std::vector<std::string> choices,
                 std::string help) {
  FieldSpec f;
  f.key = std::move(key);
  f.type = FieldType::Choice;
  f.default_value = std::move(default_value);
  f.choices = std::move(choices);
  f.help = std::move(help);
  return f;
}

FieldSpec computed(FieldSpec f, std::string default_text) {
  f.default_value = nullptr;
  f.default_text = std::move(default_text);
  return f;
}

// What a JSONL task's answers may be scored with (engine/metrics), in display order.
const std::vector<std::pair<std::string, std::string>> kMetrics = {
    {"exact", "the answer equals the reference (after trimming), 0 or 1"},
    {"rouge1", "ROUGE-1 F1 against the reference"},
    {"rouge2", "ROUGE-2 F1 against the reference"},
    {"rougeL", "ROUGE-L F1 (longest common subsequence) against the reference"},
    {"rougeLsum", "ROUGE-Lsum F1 (per line) against the reference"},
    {"bleu", "sentence BLEU against the reference"},
    {"constraint", "the answer satisfies the example's constraint"}};

const std::vector<std::string> kPrecisions = {"fp32", "bf16", "fp16", "auto"};

// The training settings, shared by "training" and (as overrides) every strategy.
std::vector<FieldSpec> training_fields() {
  std::vector<FieldSpec> t;
  t.push_back(integer("steps", 300, 1, kBig, "optimizer steps per stage"));
  t.push_back(integer("batch_size", 16, 1, 4096, "examples per micro-batch"));
  t.push_back(integer("grad_accum", 1, 1, 4096, "micro-batches per optimizer step"));
  t.push_back(number("lr", 2e-3, 1e-12, 1.0, "learning rate of LoRA training"));
  t.push_back(number("weight_decay", 0.0, 0.0, 10.0, "AdamW weight decay"));
  t.push_back(choice("schedule", "constant", {"constant", "linear", "cosine"},
                     "learning-rate schedule after warmup"));
  t.push_back(integer("warmup", 0, 0, kBig, "steps of linear learning-rate warmup"));
  t.push_back(number("max_grad_norm", 1.0, 0.0, 1e9, "gradient clipping norm (0: off)"));
  t.push_back(choice("precision", "fp32", kPrecisions,
                     "matrix products in fp32, bf16, fp16 (CUDA only) or auto (bf16 on a CUDA "
                     "GPU, fp32 on a CPU)"));
  return t;
}

std::vector<FieldSpec> lora_fields() {
  std::vector<FieldSpec> l;
  l.push_back(integer("lora.r", 8, 1, 4096, "LoRA rank"));
  l.push_back(number("lora.alpha", 16.0, 1e-6, 1e6, "LoRA scaling numerator (scale alpha / r)"));
  l.push_back(number("lora.dropout", 0.05, 0.0, 0.99, "dropout on the LoRA input"));
  FieldSpec targets;
  targets.key = "lora.target_modules";
  targets.type = FieldType::Strings;
  targets.default_value = {"qkv_proj", "o_proj", "up_proj", "down_proj"};
  targets.min_items = 1;
  targets.help = "the layers that get adapters (a name or the end of a module's full name)";
  l.push_back(targets);
  return l;
}

std::vector<FieldSpec> experiment_fields() {
  std::vector<FieldSpec> e;
  e.push_back(
      computed(text("name", nullptr, "the experiment's name; run keys are NAME/LABEL/seedN"),
               "the file name without .json"));
  e.push_back(text("base_model", "builtin",
                   "a model folder (relative to the file) or \"builtin\", the shipped model"));
  FieldSpec device = text("device", "auto", "auto, cpu, cuda or cuda:N");
  device.pattern = "auto|cpu|cuda(:[0-9]+)?";
  e.push_back(device);
  e.push_back(choice("weights_dtype", "auto", {"auto", "fp32", "bf16", "fp16"},
                     "the dtype the frozen base weights are held in"));
  FieldSpec tasks;
  tasks.key = "tasks";
  tasks.type = FieldType::Tasks;
  tasks.required = true;
  tasks.min_items = 1;
  tasks.help = "the sequence, in order: built-in task names or JSONL task objects";
  e.push_back(tasks);
  e.push_back(
      integer("data.train_examples", 1000, 1, 10'000'000, "training examples per built-in task"));
  e.push_back(integer("data.test_examples", 50, 1, 1'000'000,
                      "test examples per task, evaluated after every stage"));
  e.push_back(integer("data.seed", 0, 0, kBig, "the built-in tasks' data and the JSONL splits"));
  FieldSpec seeds;
  seeds.key = "seeds";
  seeds.type = FieldType::Integers;
  seeds.default_value = {0};
  seeds.min = 0;
  seeds.max = std::numeric_limits<uint64_t>::max();
  seeds.min_items = 1;
  seeds.help = "one run per strategy and seed (adapter init, data order, dropout)";
  e.push_back(seeds);
  for (FieldSpec f : training_fields()) {
    f.key = "training." + f.key;
    e.push_back(f);
  }
  e.push_back(number("training.full_lr", 3e-4, 1e-12, 1.0,
                     "learning rate of full fine-tuning (seq-ft, \"mode\": \"full\")"));
  for (FieldSpec f : lora_fields()) {
    f.key = "training." + f.key;
    e.push_back(f);
  }
  FieldSpec strategies;
  strategies.key = "strategies";
  strategies.type = FieldType::Strategies;
  strategies.required = true;
  strategies.min_items = 1;
  strategies.help = "the strategies to compare: names or objects with their own settings";
  e.push_back(strategies);
  e.push_back(integer("evaluation.max_new_tokens", 64, 1, 4096,
                      "greedy decoding budget of every evaluation"));
  e.push_back(computed(choice("evaluation.precision", nullptr, kPrecisions,
                              "precision of the evaluations' decoding"),
                       "training.precision"));
  return e;
}

std::vector<FieldSpec> task_fields() {
  std::vector<FieldSpec> t;
  t.push_back(computed(text("name", nullptr, "the task's name, unique in the sequence"),
                       "the built-in task's name"));
  t.push_back(text("builtin", "", "a built-in task (exactly one of builtin and jsonl)"));
  t.push_back(text("jsonl", "", "a JSONL file of examples, relative to the experiment file"));
  t.push_back(
      text("test_jsonl", "", "a JSONL file of test examples (else test_fraction of jsonl)"));
  t.push_back(number("test_fraction", 0.1, 1e-6, 0.999999,
                     "the share of jsonl held out for testing when test_jsonl is not given"));
  std::vector<std::string> metrics;
  for (const auto& metric : kMetrics) metrics.push_back(metric.first);
  t.push_back(choice("metric", "exact", metrics, "how the task's answers are scored"));
  return t;
}

// What a strategy object may hold: label and mode, the training and LoRA overrides (inheriting
// the experiment's values) and the strategy's own settings.
StrategySchema strategy_fields(const StrategyTraits& traits) {
  StrategySchema s;
  s.traits = &traits;
  s.fields.push_back(computed(text("label", nullptr,
                                   "the name shown in tables; give two "
                                   "strategies of one name different labels"),
                              "the strategy's name"));
  std::vector<std::string> modes;
  if (traits.allows_lora) modes.push_back("lora");
  if (traits.allows_full) modes.push_back("full");
  s.fields.push_back(
      choice("mode", traits.default_mode(), modes, "train a LoRA adapter or the whole model"));
  for (FieldSpec f : training_fields()) {
    f.inherits = "training." + f.key;
    if (f.key == "lr" && traits.allows_full) f.inherits_full = "training.full_lr";
    if (f.key == "lr" && !traits.allows_lora) f.inherits = "training.full_lr";
    s.fields.push_back(computed(f, "the experiment's " + f.inherits));
  }
  if (traits.allows_lora) {
    for (FieldSpec f : lora_fields()) {
      f.inherits = "training." + f.key;
      s.fields.push_back(computed(f, "the experiment's " + f.inherits));
    }
  }
  if (traits.has_replay) {
    s.fields.push_back(number("fraction", 0.01, 0.0, 1.0,
                              "share (at least one example) of every earlier task's training "
                              "examples added to each stage"));
  }
  if (traits.uses_switch) {
    s.fields.push_back(number("retention", 0.01, 0.0, 1.0,
                              "share of each task's training prompts kept for the switch"));
    s.fields.push_back(integer("min_retained", 1, 1, kBig, "prompts kept per task at least"));
    s.fields.push_back(choice("pooling", "split-mean", {"split-mean", "mean", "last-token"},
                              "how the switch's features pool the prompt's hidden states"));
    s.fields.push_back(integer("switch_epochs", 20, 1, 100000,
                               "epochs the switch network trains after every stage"));
  }
  return s;
}

const char* type_name(FieldType type) {
  switch (type) {
    case FieldType::String:
      return "string";
    case FieldType::Integer:
      return "integer";
    case FieldType::Number:
      return "number";
    case FieldType::Boolean:
      return "boolean";
    case FieldType::Choice:
      return "choice";
    case FieldType::Strings:
      return "strings";
    case FieldType::Integers:
      return "integers";
    case FieldType::Tasks:
      return "tasks";
    case FieldType::Strategies:
      return "strategies";
  }
  return "string";
}

json field_json(const FieldSpec& f) {
  json j = {{"key", f.key}, {"type", type_name(f.type)}, {"default", f.default_value}};
  if (!f.default_text.empty()) j["default_text"] = f.default_text;
  if (!f.min.is_null()) j["min"] = f.min;
  if (!f.max.is_null()) j["max"] = f.max;
  if (f.type == FieldType::Choice) j["choices"] = f.choices;
  if (!f.pattern.empty()) j["pattern"] = f.pattern;
  if (f.min_items > 0) j["min_items"] = f.min_items;
  if (f.required) j["required"] = true;
  if (!f.inherits.empty()) j["inherits"] = f.inherits;
  if (!f.inherits_full.empty()) j["inherits_full"] = f.inherits_full;
  j["help"] = f.help;
  return j;
}

json fields_json(const std::vector<FieldSpec>& fields) {
  json out = json::array();
  for (const FieldSpec& f : fields) out.push_back(field_json(f));
  return out;
}

}  // namespace

std::string FieldSpec::leaf() const {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

std::string FieldSpec::expectation() const {
  if (type == FieldType::Choice) {
    std::string text;
    for (size_t i = 0; i < choices.size(); ++i) {
      text += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
    }
    return text;
  }
  if (!min.is_null() && !max.is_null()) return min.dump() + " to " + max.dump();
  if (!pattern.empty()) return help;
  return type_name(type);
}

bool FieldSpec::matches(const std::string& text) const {
  return pattern.empty() || std::regex_match(text, std::regex(pattern));
}

const ExperimentSchema& experiment_schema() {
  static const ExperimentSchema schema = [] {
    ExperimentSchema s;
    s.fields = experiment_fields();
    s.task_fields = task_fields();
    for (const StrategyTraits& traits : all_strategy_traits()) {
      s.strategies.push_back(strategy_fields(traits));
    }
    return s;
  }();
  return schema;
}

const FieldSpec& schema_field(const std::vector<FieldSpec>& fields, std::string_view key) {
  for (const FieldSpec& f : fields) {
    if (f.key == key) return f;
  }
  throw std::logic_error("the experiment schema has no field \"" + std::string(key) + "\"");
}

const StrategySchema& strategy_schema(std::string_view name) {
  for (const StrategySchema& s : experiment_schema().strategies) {
    if (s.traits->name == name) return s;
  }
  throw std::logic_error("the experiment schema has no strategy \"" + std::string(name) + "\"");
}

nlohmann::json schema_json() {
  const ExperimentSchema& schema = experiment_schema();
  json strategies = json::array();
  for (const StrategySchema& s : schema.strategies) {
    const StrategyTraits& t = *s.traits;
    json modes = json::array();
    if (t.allows_lora) modes.push_back("lora");
    if (t.allows_full) modes.push_back("full");
    strategies.push_back({{"name", t.name},
                          {"help", t.help},
                          {"stages", t.stages == StageRule::One ? "one" : "sequence"},
                          {"modes", modes},
                          {"default_mode", t.default_mode()},
                          {"uses_switch", t.uses_switch},
                          {"experts", t.trains_experts},
                          {"can_extend", t.can_extend},
                          {"fields", fields_json(s.fields)}});
  }
  json tasks = json::array();
  for (const BuiltinTaskInfo& info : builtin_tasks()) {
    tasks.push_back({{"name", info.name}, {"description", info.description}, {"metric", "exact"}});
  }
  json metric_list = json::array();
  for (const auto& [name, help] : kMetrics) metric_list.push_back({{"name", name}, {"help", help}});
  return {{"version", 1},
          {"fields", fields_json(schema.fields)},
          {"task_fields", fields_json(schema.task_fields)},
          {"strategies", strategies},
          {"tasks", tasks},
          {"metrics", metric_list}};
}

}  // namespace sy
