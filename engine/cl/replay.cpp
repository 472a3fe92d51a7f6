// replay: rehearsal. Each stage trains on the new task plus a fixed sample — `fraction` of the
// training examples, at least one — of every earlier task (CT0 kept 1 %).
#include <algorithm>
#include <cmath>

#include "engine/cl/learner.h"
#include "engine/cl/retention.h"
#include "engine/cl/run_seeds.h"

namespace sy {
namespace {

class Replay : public LearnerStrategy {
 public:
  Replay(const StrategySpec& spec, ClContext& ctx)
      : LearnerStrategy(ctx, spec), spec_(spec), ctx_(ctx) {}

  void learn(size_t stage) override {
    const auto& tasks = *ctx_.tasks;
    if (stage == 0) {  // nothing to rehearse yet: the first stage is plain training on the task
      learner_.train_on_task(0, 0, spec_.label + " " + tasks[0].name);
      return;
    }
    std::vector<Example> mix = tasks[stage].train;
    for (size_t old = 0; old < stage; ++old) {
      for (size_t i : retain_indices(tasks[old].train.size(), spec_.replay_fraction, 1,
                                     replay_sample_seed(ctx_.seed, old))) {
        mix.push_back(tasks[old].train[i]);
      }
    }
    learner_.train_on(mix, stage, spec_.label + " " + tasks[stage].name);
  }

 private:
  StrategySpec spec_;
  ClContext& ctx_;
};

}  // namespace

std::unique_ptr<Strategy> make_replay(const StrategySpec& spec, ClContext& ctx) {
  return std::make_unique<Replay>(spec, ctx);
}

}  // namespace sy
