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
  // Trains on task `task`'s own training set. A LoRA learner's first training starts from the
  // frozen base exactly as a per-task expert does, so it takes the bank's expert (trained once,
  // shared with oracle, switchcit and every other strategy's first stage) instead of training
  // the same adapter again.
  void train_on_task(size_t task, size_t stage, const std::string& what);
  std::vector<std::string> answer(size_t task);
  // The trained weights (the adapter's, or every parameter of the full copy), and back.
  NamedTensors state();
  void restore(const NamedTensors& state);
  std::optional<AdapterId> adapter() const;
  std::string ask(const Example& request);

 private:
  TransformerLM& model();

  ClContext& ctx_;
  StrategySpec spec_;
  LoadedModel copy_;  // full fine-tuning only
  std::string adapter_name_;
  AdapterId adapter_ = kNoAdapter;
  TrainOptions options_;
  bool trained_ = false;
  std::string expert_key_;  // non-empty while the weights are that bank expert's: answers cached
};

// A strategy whose whole state is one learner (seq-ft, seq-lora, replay, multitask): answers,
// state and each stage's adapter come from it; subclasses say what each stage trains on.
class LearnerStrategy : public Strategy {
 public:
  LearnerStrategy(ClContext& ctx, const StrategySpec& spec) : learner_(ctx, spec) {}
  std::vector<std::string> answer(size_t task) override { return learner_.answer(task); }
  NamedTensors state() override { return learner_.state(); }
  void restore(size_t, const NamedTensors& state) override { learner_.restore(state); }
  std::optional<AdapterId> stage_adapter(size_t) override { return learner_.adapter(); }
  Reply ask(const Example& request, std::optional<size_t> adapter) override;

 protected:
  Learner learner_;
};

}  // namespace sy
