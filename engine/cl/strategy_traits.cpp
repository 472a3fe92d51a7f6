// The strategy table. Adding a strategy: one row here, its file under engine/cl/ and its line in
// make_strategy (strategy.cpp); the schema, the parser, the store and the GUI read the rest.
#include "engine/cl/strategy_traits.h"

#include <stdexcept>

namespace sy {

const std::vector<StrategyTraits>& all_strategy_traits() {
  static const std::vector<StrategyTraits> table = [] {
    std::vector<StrategyTraits> t;
    StrategyTraits seq_ft;
    seq_ft.name = "seq-ft";
    seq_ft.help = "full fine-tuning of the whole model, task after task";
    seq_ft.allows_lora = false;
    seq_ft.allows_full = true;
    seq_ft.lora_by_default = false;
    t.push_back(seq_ft);

    StrategyTraits seq_lora;
    seq_lora.name = "seq-lora";
    seq_lora.help = "one LoRA adapter trained task after task";
    seq_lora.first_stage_is_expert = true;
    t.push_back(seq_lora);

    StrategyTraits replay;
    replay.name = "replay";
    replay.help = "each stage adds a fraction of every earlier task's training examples";
    replay.allows_full = true;
    replay.first_stage_is_expert = true;
    replay.has_replay = true;
    t.push_back(replay);

    StrategyTraits multitask;
    multitask.name = "multitask";
    multitask.help =
        "one stage on all tasks with the whole sequence's step budget (an upper bound)";
    multitask.stages = StageRule::One;
    multitask.allows_full = true;
    multitask.can_extend = false;
    t.push_back(multitask);

    StrategyTraits oracle;
    oracle.name = "oracle";
    oracle.help = "a fresh expert adapter per task, the true task given at inference";
    oracle.trains_experts = true;
    oracle.answers_per_task = true;
    t.push_back(oracle);

    StrategyTraits switchcit;
    switchcit.name = "switchcit";
    switchcit.help = "the same experts, routed by a switch network retrained after every stage";
    switchcit.trains_experts = true;
    switchcit.uses_switch = true;
    switchcit.answers_per_task = true;
    t.push_back(switchcit);
    return t;
  }();
  return table;
}

const StrategyTraits* find_strategy_traits(std::string_view name) {
  for (const StrategyTraits& traits : all_strategy_traits()) {
    if (traits.name == name) return &traits;
  }
  return nullptr;
}

std::string strategy_names_text() {
  std::string text;
  for (const StrategyTraits& traits : all_strategy_traits()) {
    text += (text.empty() ? "" : ", ") + traits.name;
  }
  return text;
}

const StrategyTraits& strategy_traits(std::string_view name) {
  if (const StrategyTraits* traits = find_strategy_traits(name)) return *traits;
  throw std::invalid_argument("unknown strategy \"" + std::string(name) +
                              "\"; known strategies: " + strategy_names_text());
}

}  // namespace sy
