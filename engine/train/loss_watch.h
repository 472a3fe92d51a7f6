// Tells diverging training from training that merely has a bad step: a loss that is not finite
// (NaN or Inf: the weights are lost, nothing after it means anything), or one that has risen above
// both where its stage started and ln(vocabulary size) — the loss of guessing every token
// uniformly, which a model learning anything stays below. Training with a learning rate far too
// high shows the second long before (or instead of) the first.
#pragma once

#include <cstdint>
#include <optional>

namespace sy {

class LossWatch {
 public:
  enum class Sign { Fine, Rising, NotFinite };

  explicit LossWatch(int64_t vocab_size);

  // Call at every stage's start: the stage's first loss is its reference.
  void new_stage();
  // One optimizer step's loss. Rising is answered once per watch (a warning, not a stop);
  // NotFinite every time.
  Sign see(double loss);

  // The loss of a uniform guess over the vocabulary, ln(V).
  double uniform_loss() const { return uniform_loss_; }
  // The current stage's first loss, once seen.
  std::optional<double> stage_start() const { return start_; }

 private:
  double uniform_loss_;
  std::optional<double> start_;
  bool warned_ = false;
};

}  // namespace sy
