// What each continual-learning strategy is, as a table: its name, how many stages it trains,
// which training modes it allows, whether it trains per-task experts or routes through a switch,
// and whether `extend` can add a task to it. Torch- and Qt-free (its own library,
// switchyard_strategy_traits) so that the engine, the CLI and the GUI read the same facts instead
// of comparing strategy names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sy {

// How many training stages a run of the strategy has for a sequence of n tasks.
enum class StageRule {
  PerTask,  // one stage per task of the sequence
  One,      // one joint stage on all tasks (multitask)
};

struct StrategyTraits {
  std::string name;  // as in experiment files and the store: "seq-ft", ..., "switchcit"
  std::string help;  // one line
  StageRule stages = StageRule::PerTask;
  bool allows_lora = true;      // "mode": "lora" accepted
  bool allows_full = false;     // "mode": "full" accepted
  bool lora_by_default = true;  // the mode when none is given
  // Trains a fresh expert adapter per task on the frozen base (oracle, switchcit), or, in LoRA
  // mode, its first stage is that same expert (seq-lora, replay): shared through the adapter bank.
  bool trains_experts = false;
  bool first_stage_is_expert = false;
  bool uses_switch = false;  // a switch network routes requests to the experts (switchcit)
  bool has_replay = false;   // mixes earlier tasks' examples into each stage ("fraction")
  bool can_extend = true;    // `extend` can add a task to a finished run
  // Answers through the true task's adapter or the switch's choice: the playground asks which.
  bool answers_per_task = false;

  bool can_choose_mode() const { return allows_lora && allows_full; }
  const char* default_mode() const { return lora_by_default ? "lora" : "full"; }
  // The number of stages a run plans for a sequence of `n_tasks` tasks.
  size_t planned_stages(size_t n_tasks) const { return stages == StageRule::One ? 1 : n_tasks; }
};

// Every strategy, in display order (seq-ft, seq-lora, replay, multitask, oracle, switchcit).
const std::vector<StrategyTraits>& all_strategy_traits();
// The strategy called `name`, or nullptr.
const StrategyTraits* find_strategy_traits(std::string_view name);
// The strategy called `name`; throws std::invalid_argument naming the known ones otherwise.
const StrategyTraits& strategy_traits(std::string_view name);
// "seq-ft, seq-lora, replay, multitask, oracle, switchcit": for error messages.
std::string strategy_names_text();

}  // namespace sy
