// Per-task LoRA adapters trained from the frozen base model, kept in memory and trained once per
// (task, seed, settings): oracle and switchcit use the very same experts, so the second strategy
// costs no training at all.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/model/lora.h"
#include "engine/model/tensor_io.h"
#include "engine/train/trainer.h"

namespace sy {

struct ClContext;

struct Expert {
  AdapterId adapter = kNoAdapter;
  std::string key;  // names the weights in the answer cache
};

class AdapterBank {
 public:
  // The adapter of task `task` for these settings and ctx's seed, trained now if it is new;
  // `what` labels its training steps (default: "expert TASK").
  Expert expert(ClContext& ctx, size_t task, const LoraSpec& spec, const TrainOptions& options,
                const std::string& what = "");
  // Puts back an expert trained earlier (a resumed run's checkpoint, or a plan's expert unit)
  // under the same key. `steps`, the curve of its training elsewhere, is reported through
  // ctx.on_step by the first expert() call that asks for it, as if it trained there.
  Expert restore(ClContext& ctx, size_t task, const LoraSpec& spec, const TrainOptions& options,
                 const NamedTensors& tensors, std::vector<TrainStep> steps = {});
  size_t trained() const { return experts_.size(); }
  bool has(const std::string& key) const { return experts_.count(key) > 0; }

  // What makes two experts the same: the task, the seed and every setting that shapes training.
  static std::string key(const std::string& task, uint64_t seed, const LoraSpec& spec,
                         const TrainOptions& options);

 private:
  std::map<std::string, Expert> experts_;
  std::map<std::string, std::vector<TrainStep>> untold_steps_;  // by key, until first asked for
};

}  // namespace sy
