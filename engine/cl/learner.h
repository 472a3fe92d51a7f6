// The one set of weights that seq-ft, seq-lora, replay and multitask keep training: either their
// own full copy of the base model, or a single LoRA adapter on the shared frozen base.
#pragma once

#include <string>
#include <vector>

#include "engine/cl/strategy.h"

namespace sy {

class Learner {
 public:
  Learner(ClContext& ctx, const StrategySpec& spec);
  ~Learner();
  Learner(const Learner&) = delete;
  Learner& operator=(const Learner&) = delete;

  void train_on(const std::vector<Example>& examples, size_t stage, const std::string& what);
  std::vector<std::string> answer(size_t task);
  // The trained weights (the adapter's, or every parameter of the full copy), and back.
  NamedTensors state();
  void restore(const NamedTensors& state);
  std::optional<AdapterId> adapter() const;

 private:
  TransformerLM& model();

  ClContext& ctx_;
  StrategySpec spec_;
  LoadedModel copy_;  // full fine-tuning only
  std::string adapter_name_;
  AdapterId adapter_ = kNoAdapter;
  TrainOptions options_;
};

}  // namespace sy
