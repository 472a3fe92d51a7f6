// Parsing and validating experiment files.
#include "engine/run/experiment.h"

#include "engine/model/checkpoint.h"

#include <algorithm>
#include <filesystem>

#include "engine/data/builtin_tasks.h"
#include "engine/run/experiment_schema.h"
#include "engine/util/error.h"
#include "engine/util/json_fields.h"
#include "engine/util/json_file.h"

namespace sy {
namespace fs = std::filesystem;
namespace {

const FieldSpec& field(const std::string& key) {
  return schema_field(experiment_schema().fields, key);
}

// The schema's default of a field that has one.
template <typename T>
T default_of(const FieldSpec& spec) {
  return spec.default_value.get<T>();
}

int64_t read_integer(JsonFields& f, const FieldSpec& spec, int64_t fallback) {
  return f.integer(spec.leaf(), fallback, spec.min.get<int64_t>(), spec.max.get<int64_t>());
}

double read_number(JsonFields& f, const FieldSpec& spec, double fallback) {
  return f.number(spec.leaf(), fallback, spec.min.get<double>(), spec.max.get<double>());
}

// A Choice field: the word must be one of the schema's choices; `parse` (a parse_* function)
// turns it into its value.
template <typename T, typename Parse>
void read_choice(JsonFields& f, const FieldSpec& spec, T& value, Parse parse) {
  const std::string key = spec.leaf();
  if (!f.has(key)) return;
  const std::string name = f.text(key, "");
  if (std::find(spec.choices.begin(), spec.choices.end(), name) == spec.choices.end()) {
    f.fail(key, "is \"" + name + "\"; expected " + spec.expectation());
  }
  value = parse(name, f.path(key));
}

// The training keys: `fields` is the schema's list they are read by ("training.*" of the
// experiment, or a strategy's own list), `prefix` the part of their keys before the leaf.
TrainOptions read_training(JsonFields& f, const std::vector<FieldSpec>& fields,
                           const std::string& prefix, TrainOptions o) {
  auto spec = [&](const char* leaf) -> const FieldSpec& {
    return schema_field(fields, prefix + leaf);
  };
  o.steps = read_integer(f, spec("steps"), o.steps);
  o.batch_size = read_integer(f, spec("batch_size"), o.batch_size);
  o.grad_accum = read_integer(f, spec("grad_accum"), o.grad_accum);
  o.lr = read_number(f, spec("lr"), o.lr);
  o.weight_decay = read_number(f, spec("weight_decay"), o.weight_decay);
  read_choice(f, spec("schedule"), o.schedule, parse_lr_schedule);
  o.warmup_steps = read_integer(f, spec("warmup"), o.warmup_steps);
  o.max_grad_norm = read_number(f, spec("max_grad_norm"), o.max_grad_norm);
  read_choice(f, spec("precision"), o.precision, parse_precision);
  return o;
}

// The schema's defaults of the training keys.
TrainOptions training_defaults() {
  TrainOptions o;
  o.steps = default_of<int64_t>(field("training.steps"));
  o.batch_size = default_of<int64_t>(field("training.batch_size"));
  o.grad_accum = default_of<int64_t>(field("training.grad_accum"));
  o.lr = default_of<double>(field("training.lr"));
  o.weight_decay = default_of<double>(field("training.weight_decay"));
  o.schedule = parse_lr_schedule(field("training.schedule").default_value.get<std::string>(), "");
  o.warmup_steps = default_of<int64_t>(field("training.warmup"));
  o.max_grad_norm = default_of<double>(field("training.max_grad_norm"));
  o.precision = parse_precision(field("training.precision").default_value.get<std::string>(), "");
  return o;
}

LoraSpec read_lora(JsonFields f, const std::vector<FieldSpec>& fields, const std::string& prefix,
                   LoraSpec spec) {
  auto field_spec = [&](const char* leaf) -> const FieldSpec& {
    return schema_field(fields, prefix + "lora." + leaf);
  };
  spec.rank = read_integer(f, field_spec("r"), spec.rank);
  spec.alpha = read_number(f, field_spec("alpha"), spec.alpha);
  spec.dropout = read_number(f, field_spec("dropout"), spec.dropout);
  spec.target_modules = f.texts("target_modules", spec.target_modules);
  if (spec.target_modules.empty()) f.fail("target_modules", "must name at least one layer");
  f.reject_unknown();
  return spec;
}

LoraSpec lora_defaults() {
  LoraSpec spec;
  spec.rank = default_of<int64_t>(field("training.lora.r"));
  spec.alpha = default_of<double>(field("training.lora.alpha"));
  spec.dropout = default_of<double>(field("training.lora.dropout"));
  spec.target_modules =
      field("training.lora.target_modules").default_value.get<std::vector<std::string>>();
  return spec;
}

std::string builtin_names_text() {
  std::string known;
  for (const auto& info : builtin_tasks()) known += (known.empty() ? "" : ", ") + info.name;
  return known;
}

TaskSource read_task(const nlohmann::json& j, const std::string& file, const std::string& where,
                     const fs::path& folder) {
  const auto& fields = experiment_schema().task_fields;
  TaskSource t;
  if (j.is_string()) {
    t.builtin = t.name = j.get<std::string>();
    if (t.builtin.empty()) {
      throw Error(file + ": " + where + " is an empty task name; expected a built-in task (" +
                  builtin_names_text() + ") or a JSONL task object.");
    }
  } else {
    JsonFields f(j, file, where);
    t.builtin = f.text("builtin", "");
    t.train_path = f.text("jsonl", "");
    t.test_path = f.text("test_jsonl", "");
    t.test_fraction = read_number(f, schema_field(fields, "test_fraction"),
                                  default_of<double>(schema_field(fields, "test_fraction")));
    t.name = f.text("name", t.builtin);
    const FieldSpec& metric = schema_field(fields, "metric");
    t.metric = f.text("metric", metric.default_value.get<std::string>());
    if (std::find(metric.choices.begin(), metric.choices.end(), t.metric) == metric.choices.end()) {
      f.fail("metric", "is \"" + t.metric + "\"; expected " + metric.expectation());
    }
    if (t.builtin.empty() == t.train_path.empty()) {
      f.fail("builtin", "or jsonl must be given (exactly one of them)");
    }
    if (t.name.empty()) f.fail("name", "must be given for a JSONL task");
    f.reject_unknown();
  }
  if (!t.builtin.empty() && !is_builtin_task(t.builtin)) {
    throw Error(file + ": " + where + " names the unknown built-in task \"" + t.builtin +
                "\"; known tasks: " + builtin_names_text() + ".");
  }
  auto resolve = [&](std::string& p) {
    if (!p.empty() && fs::path(p).is_relative()) p = (folder / p).lexically_normal().string();
  };
  resolve(t.train_path);
  resolve(t.test_path);
  return t;
}

// A key another strategy's own settings have, and which strategies those are ("replay"), or "".
std::string owners_of(const std::string& key) {
  std::string owners;
  for (const StrategySchema& s : experiment_schema().strategies) {
    for (const FieldSpec& f : s.fields) {
      if (f.key == key && f.inherits.empty() && f.key != "label" && f.key != "mode") {
        owners += (owners.empty() ? "" : " and ") + s.traits->name;
      }
    }
  }
  return owners;
}

StrategySpec read_strategy(const nlohmann::json& object, const std::string& path,
                           const std::string& where, const TrainOptions& lora_training,
                           double full_lr, const LoraSpec& lora) {
  JsonFields f(object, path, where);
  StrategySpec s;
  s.name = f.text("name", "");
  const StrategyTraits* traits = find_strategy_traits(s.name);
  if (!traits) {
    f.fail("name", "is \"" + s.name + "\"; expected one of " + strategy_names_text());
  }
  const StrategySchema& schema = strategy_schema(s.name);
  // A setting of another strategy is named as such, before any other check of this object.
  for (auto it = object.begin(); it != object.end(); ++it) {
    const bool mine = it.key() == "name" ||
                      std::any_of(schema.fields.begin(), schema.fields.end(), [&](const auto& x) {
                        return x.key == it.key() || x.key.rfind(it.key() + ".", 0) == 0;
                      });
    const std::string owners = owners_of(it.key());
    if (!mine && !owners.empty()) f.fail(it.key(), "applies to " + owners + " only");
  }
  s.label = f.text("label", s.name);
  const FieldSpec& mode_spec = schema_field(schema.fields, "mode");
  const std::string mode = f.text("mode", traits->default_mode());
  if (mode != "lora" && mode != "full") f.fail("mode", "must be \"lora\" or \"full\"");
  if (std::find(mode_spec.choices.begin(), mode_spec.choices.end(), mode) ==
      mode_spec.choices.end()) {
    f.fail("mode", "cannot be changed for " + s.name);
  }
  s.use_lora = mode == "lora";
  TrainOptions defaults = lora_training;
  if (!s.use_lora) defaults.lr = full_lr;
  s.training = read_training(f, schema.fields, "", defaults);
  s.lora = traits->allows_lora ? read_lora(f.object("lora"), schema.fields, "", lora) : lora;
  if (traits->has_replay) {
    s.replay_fraction = read_number(f, schema_field(schema.fields, "fraction"),
                                    default_of<double>(schema_field(schema.fields, "fraction")));
  }
  if (traits->uses_switch) {
    const auto& own = schema.fields;
    s.retention = read_number(f, schema_field(own, "retention"),
                              default_of<double>(schema_field(own, "retention")));
    s.min_retained = read_integer(f, schema_field(own, "min_retained"),
                                  default_of<int64_t>(schema_field(own, "min_retained")));
    read_choice(f, schema_field(own, "pooling"), s.switch_options.pooling, parse_switch_pooling);
    s.switch_options.epochs = read_integer(f, schema_field(own, "switch_epochs"),
                                           default_of<int64_t>(schema_field(own, "switch_epochs")));
  }
  f.reject_unknown();
  return s;
}

}  // namespace

Experiment experiment_from_json(const nlohmann::json& j, const std::string& path) {
  Experiment e;
  e.path = path;
  const fs::path folder = fs::path(path).parent_path();
  JsonFields top(j, path, "");
  // An unknown top-level field is named first: a misspelt "trainng" would otherwise surface as
  // whatever its absence breaks, or not at all.
  {
    JsonFields known(j, path, "");
    for (const FieldSpec& spec : experiment_schema().fields) {
      (void)known.raw(spec.key.substr(0, spec.key.find('.')));
    }
    known.reject_unknown();
  }
  e.name = top.text("name", fs::path(path).stem().string());
  e.base_model = top.text("base_model", field("base_model").default_value.get<std::string>());
  if (e.base_model != "builtin" && fs::path(e.base_model).is_relative()) {
    e.base_model = (folder / e.base_model).lexically_normal().string();
  }
  e.device = top.text("device", field("device").default_value.get<std::string>());
  if (!field("device").matches(e.device)) {
    top.fail("device", "is \"" + e.device + "\"; expected " + field("device").expectation());
  }
  e.weights_dtype =
      parse_weights_dtype(field("weights_dtype").default_value.get<std::string>(), "");
  read_choice(top, field("weights_dtype"), e.weights_dtype, parse_weights_dtype);

  JsonFields data = top.object("data");
  const FieldSpec& train_examples = field("data.train_examples");
  const FieldSpec& test_examples = field("data.test_examples");
  const FieldSpec& data_seed = field("data.seed");
  e.train_examples = read_integer(data, train_examples, default_of<int64_t>(train_examples));
  e.test_examples = read_integer(data, test_examples, default_of<int64_t>(test_examples));
  e.data_seed =
      static_cast<uint64_t>(read_integer(data, data_seed, default_of<int64_t>(data_seed)));
  data.reject_unknown();

  if (!top.has("tasks") || !top.raw("tasks").is_array() || top.raw("tasks").empty()) {
    top.fail("tasks", "must be a non-empty list of tasks (built-in names or JSONL task objects)");
  }
  const auto& tasks = top.raw("tasks");
  for (size_t i = 0; i < tasks.size(); ++i) {
    e.tasks.push_back(read_task(tasks[i], path, "tasks[" + std::to_string(i) + "]", folder));
    for (size_t k = 0; k + 1 < e.tasks.size(); ++k) {
      if (e.tasks[k].name == e.tasks.back().name) {
        throw Error(path + ": tasks[" + std::to_string(i) + "] repeats the task name \"" +
                    e.tasks.back().name + "\"; every task of a sequence needs its own name.");
      }
    }
  }

  e.seeds.clear();
  const auto& seeds = top.raw("seeds");
  if (seeds.is_null()) {
    e.seeds = field("seeds").default_value.get<std::vector<uint64_t>>();
  } else {
    if (!seeds.is_array() || seeds.empty())
      top.fail("seeds", "must be a non-empty list of integers");
    for (const auto& s : seeds) {
      if (!s.is_number_unsigned())
        top.fail("seeds", "must hold non-negative integers, found " + s.dump());
      e.seeds.push_back(s.get<uint64_t>());
    }
  }

  JsonFields training = top.object("training");
  const auto& fields = experiment_schema().fields;
  const TrainOptions lora_training =
      read_training(training, fields, "training.", training_defaults());
  const FieldSpec& full_lr_spec = field("training.full_lr");
  const double full_lr = read_number(training, full_lr_spec, default_of<double>(full_lr_spec));
  const LoraSpec lora = read_lora(training.object("lora"), fields, "training.", lora_defaults());
  training.reject_unknown();

  JsonFields evaluation = top.object("evaluation");
  const FieldSpec& max_new_tokens = field("evaluation.max_new_tokens");
  e.max_new_tokens = read_integer(evaluation, max_new_tokens, default_of<int64_t>(max_new_tokens));
  e.eval_precision = lora_training.precision;
  read_choice(evaluation, field("evaluation.precision"), e.eval_precision, parse_precision);
  evaluation.reject_unknown();

  const auto& strategies = top.raw("strategies");
  if (!strategies.is_array() || strategies.empty()) {
    top.fail("strategies", "must be a non-empty list; known strategies: " + strategy_names_text());
  }
  for (size_t i = 0; i < strategies.size(); ++i) {
    const nlohmann::json object =
        strategies[i].is_string() ? nlohmann::json{{"name", strategies[i]}} : strategies[i];
    e.strategies.push_back(read_strategy(object, path, "strategies[" + std::to_string(i) + "]",
                                         lora_training, full_lr, lora));
  }
  top.reject_unknown();
  return e;
}

std::string base_model_dir(const Experiment& experiment) {
  return experiment.base_model == "builtin" ? builtin_model_dir() : experiment.base_model;
}

Experiment load_experiment(const std::string& path) {
  return experiment_from_json(read_json_file(path), path);
}

}  // namespace sy
