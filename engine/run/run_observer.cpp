// ObserverList: fans every report out to each observer in turn; run_key, the runs' key.
#include "engine/run/run_observer.h"

namespace sy {

std::string run_key(const std::string& experiment, const std::string& label, uint64_t seed) {
  return experiment + "/" + label + "/seed" + std::to_string(seed);
}

bool ObserverList::keeps_artifacts() const {
  for (auto* o : list_)
    if (o->keeps_artifacts()) return true;
  return false;
}

void ObserverList::experiment_started(const Experiment& e, const WorkPlan& plan) {
  for (auto* o : list_) o->experiment_started(e, plan);
}

void ObserverList::run_started(RunProgress& run, const StrategySpec& spec, size_t first_stage) {
  for (auto* o : list_) o->run_started(run, spec, first_stage);
}

void ObserverList::stage_started(const RunProgress& run, size_t stage) {
  for (auto* o : list_) o->stage_started(run, stage);
}

void ObserverList::train_step(const RunProgress& run, size_t stage, const std::string& what,
                              const TrainStep& step) {
  for (auto* o : list_) o->train_step(run, stage, what, step);
}

void ObserverList::row_evaluated(const RunProgress& run, size_t row) {
  for (auto* o : list_) o->row_evaluated(run, row);
}

void ObserverList::router_evaluated(const RunProgress& run, size_t after_stage) {
  for (auto* o : list_) o->router_evaluated(run, after_stage);
}

void ObserverList::adapter_trained(const RunProgress& run, size_t position,
                                   const TrainedAdapter& adapter) {
  for (auto* o : list_) o->adapter_trained(run, position, adapter);
}

void ObserverList::stage_finished(const RunProgress& run, size_t stage,
                                  const std::vector<uint8_t>& checkpoint) {
  for (auto* o : list_) o->stage_finished(run, stage, checkpoint);
}

void ObserverList::warning(const RunProgress& run, size_t stage, const RunWarning& warning) {
  for (auto* o : list_) o->warning(run, stage, warning);
}

void ObserverList::run_ended(const RunProgress& run) {
  for (auto* o : list_) o->run_ended(run);
}

void ObserverList::experiment_ended() {
  for (auto* o : list_) o->experiment_ended();
}

}  // namespace sy
