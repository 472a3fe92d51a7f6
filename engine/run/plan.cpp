// The plan: which units an experiment splits into, and their file.
#include "engine/run/plan.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "engine/cl/adapter_bank.h"
#include "engine/cl/strategy.h"
#include "engine/cl/strategy_traits.h"
#include "engine/util/error.h"
#include "engine/util/json_fields.h"
#include "engine/util/json_file.h"

namespace fs = std::filesystem;

namespace sy {
namespace {

constexpr const char* kFormat = "switchyard-plan";
constexpr int64_t kVersion = 1;

bool assembles_experts(const StrategySpec& spec) {
  return strategy_traits(spec.name).trains_experts;
}

std::string random_id() {
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

const char* kind_name(PlanUnit::Kind kind) {
  return kind == PlanUnit::Kind::Expert ? "expert" : "runs";
}

std::string unit_title(const Experiment& e, const PlanUnit& unit) {
  std::string what;
  if (unit.kind == PlanUnit::Kind::Expert) {
    what = "expert " + e.tasks.at(unit.task).name;
  } else {
    for (size_t s : unit.strategies) what += (what.empty() ? "" : " + ") + e.strategies.at(s).label;
  }
  return what + ", seed " + std::to_string(unit.seed);
}

}  // namespace

Experiment Plan::experiment() const {
  return experiment_from_json(definition, experiment_file);
}

Plan make_plan(const nlohmann::json& definition, const std::string& file,
               const RunnerOptions& options) {
  Plan plan;
  plan.id = random_id();
  plan.experiment_file = fs::absolute(file).string();
  plan.definition = definition;
  plan.options = options;
  const Experiment e = plan.experiment();
  std::map<std::string, size_t> labels;
  for (size_t s = 0; s < e.strategies.size(); ++s) {
    if (!labels.emplace(e.strategies[s].label, s).second) {
      throw Error(file + ": strategies[" + std::to_string(s) + "] has the label \"" +
                  e.strategies[s].label + "\" of strategies[" +
                  std::to_string(labels[e.strategies[s].label]) +
                  "]; a plan names runs by label: give each strategy its own \"label\"");
    }
  }

  // Experts first, in the order a local run first needs them; a unit's id is its position.
  std::map<std::string, int64_t> expert_unit;  // AdapterBank key -> unit id
  const auto key_of = [&](const StrategySpec& spec, size_t task, uint64_t seed) {
    const StrategySpec eff = effective_spec(spec, options);
    return AdapterBank::key(e.tasks[task].name, seed, eff.lora, eff.training);
  };
  for (uint64_t seed : e.seeds) {
    for (size_t s = 0; s < e.strategies.size(); ++s) {
      for (size_t task = 0; task < e.tasks.size(); ++task) {
        if (!trains_expert(e.strategies[s], task)) continue;
        const std::string key = key_of(e.strategies[s], task, seed);
        if (expert_unit.count(key)) continue;
        PlanUnit unit;
        unit.id = static_cast<int64_t>(plan.units.size());
        unit.kind = PlanUnit::Kind::Expert;
        unit.seed = seed;
        unit.strategies = {s};
        unit.task = task;
        expert_unit[key] = unit.id;
        plan.units.push_back(unit);
      }
    }
  }
  // Then the runs: one unit per sequential or multitask run, and one per seed for the runs that
  // assemble experts. An expert's curve goes to the unit of the first run that needs it.
  std::map<std::string, bool> reported;
  for (uint64_t seed : e.seeds) {
    int64_t assembly = -1;
    for (size_t s = 0; s < e.strategies.size(); ++s) {
      const StrategySpec& spec = e.strategies[s];
      PlanUnit* unit = nullptr;
      if (assembles_experts(spec) && assembly >= 0) {
        unit = &plan.units[static_cast<size_t>(assembly)];
      } else {
        plan.units.push_back(PlanUnit{});
        unit = &plan.units.back();
        unit->id = static_cast<int64_t>(plan.units.size()) - 1;
        unit->seed = seed;
        if (assembles_experts(spec)) assembly = unit->id;
      }
      unit->strategies.push_back(s);
      for (size_t task = 0; task < e.tasks.size(); ++task) {
        if (!trains_expert(spec, task)) continue;
        const std::string key = key_of(spec, task, seed);
        const int64_t expert = expert_unit.at(key);
        auto& after = unit->after;
        if (std::find(after.begin(), after.end(), expert) == after.end()) after.push_back(expert);
        if (!reported[key]) {
          reported[key] = true;
          unit->reports.push_back(expert);
        }
      }
    }
  }
  for (PlanUnit& unit : plan.units) unit.title = unit_title(e, unit);
  return plan;
}

void write_plan(const Plan& plan, const std::string& dir) {
  const fs::path file = fs::path(dir) / "plan.json";
  if (fs::exists(file)) {
    throw Error(dir + " already holds a plan (" + file.string() +
                "); its bundles belong to it: choose another --out folder or remove this one");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create the plan folder " + dir + ": " + ec.message());
  nlohmann::json units = nlohmann::json::array();
  for (const PlanUnit& u : plan.units) {
    nlohmann::json j = {{"id", u.id},     {"kind", kind_name(u.kind)},  {"title", u.title},
                        {"seed", u.seed}, {"strategies", u.strategies}, {"after", u.after}};
    if (u.kind == PlanUnit::Kind::Expert) j["task"] = u.task;
    if (u.kind == PlanUnit::Kind::Runs) j["reports"] = u.reports;
    units.push_back(j);
  }
  write_json_file(file.string(), {{"format", kFormat},
                                  {"version", kVersion},
                                  {"plan_id", plan.id},
                                  {"experiment_file", plan.experiment_file},
                                  {"experiment", plan.definition},
                                  {"quick", plan.options.quick},
                                  {"units", units}});
}

Plan read_plan(const std::string& dir) {
  const std::string file = (fs::path(dir) / "plan.json").string();
  if (!fs::exists(file)) {
    throw Error(file +
                " does not exist; make a plan with switchyard-engine plan EXPERIMENT.json "
                "--out " +
                dir);
  }
  const nlohmann::json j = read_json_file(file);
  if (!j.is_object()) throw Error(file + ": expected a JSON object (a switchyard plan)");
  JsonFields top(j, file, "");
  if (top.text("format", "") != kFormat)
    top.fail("format", std::string("must be \"") + kFormat + "\"");
  if (top.integer("version", 0, 0, 1000) != kVersion) {
    top.fail("version", "must be " + std::to_string(kVersion) + " (a plan of another Switchyard)");
  }
  Plan plan;
  plan.id = top.text("plan_id", "");
  if (plan.id.size() != 16 || plan.id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    top.fail("plan_id", "must be 16 hexadecimal digits");
  }
  plan.experiment_file = top.text("experiment_file", "");
  plan.definition = top.raw("experiment");
  plan.options.quick = top.boolean("quick", false);
  const Experiment e = plan.experiment();
  const auto& units = top.raw("units");
  if (!units.is_array() || units.empty()) top.fail("units", "must be a non-empty list");
  for (size_t i = 0; i < units.size(); ++i) {
    JsonFields f(units[i], file, "units[" + std::to_string(i) + "]");
    PlanUnit u;
    u.id = f.integer("id", -1, 0, 1'000'000);
    if (u.id != static_cast<int64_t>(i)) f.fail("id", "must be " + std::to_string(i));
    const std::string kind = f.text("kind", "");
    if (kind != "expert" && kind != "runs") f.fail("kind", "must be \"expert\" or \"runs\"");
    u.kind = kind == "expert" ? PlanUnit::Kind::Expert : PlanUnit::Kind::Runs;
    f.text("title", "");  // made again below from the experiment, which names the tasks
    u.seed = static_cast<uint64_t>(f.integer("seed", 0, 0, INT64_MAX));
    const auto positions = [&](const std::string& key, int64_t below) {
      std::vector<int64_t> out;
      const auto& list = f.raw(key);
      if (!list.is_array()) f.fail(key, "must be a list of integers");
      for (const auto& v : list) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= below) {
          f.fail(key, "must hold integers from 0 to " + std::to_string(below - 1));
        }
        out.push_back(v.get<int64_t>());
      }
      return out;
    };
    for (int64_t s : positions("strategies", static_cast<int64_t>(e.strategies.size()))) {
      u.strategies.push_back(static_cast<size_t>(s));
    }
    if (u.strategies.empty()) f.fail("strategies", "must name at least one strategy");
    const int64_t count = static_cast<int64_t>(units.size());
    u.after = positions("after", count);
    for (int64_t a : u.after) {
      if (a >= u.id) f.fail("after", "must name earlier units only");
    }
    if (u.kind == PlanUnit::Kind::Expert) {
      u.task = static_cast<size_t>(
          f.integer("task", 0, 0, std::max<int64_t>(0, static_cast<int64_t>(e.tasks.size()) - 1)));
    } else {
      u.reports = positions("reports", count);
      for (int64_t r : u.reports) {
        if (std::find(u.after.begin(), u.after.end(), r) == u.after.end()) {
          f.fail("reports", "must name units of \"after\" only");
        }
      }
    }
    f.reject_unknown();
    u.title = unit_title(e, u);
    plan.units.push_back(u);
  }
  top.reject_unknown();
  return plan;
}

std::string unit_dir(const std::string& dir, int64_t id) {
  return (fs::path(dir) / "units" / std::to_string(id)).string();
}

}  // namespace sy
