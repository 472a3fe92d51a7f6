// Tells diverging training from training that merely has bad steps: a loss that is not finite
// (NaN or Inf: the weights are lost, nothing after it means anything), or a loss that stays risen:
// the mean of its last kWindow steps above both where its stage started and ln(vocabulary size) —
// the loss of guessing every token uniformly, which a model learning anything stays below.
// Training with a learning rate far too high shows the second long before (or instead of) the
// first. One step above both is noise, not divergence: the quick demo at its default learning
// rate has an expert whose second step rises from 6.99 to 7.69 (ln 1024 = 6.93) and then learns.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace sy {

class LossWatch {
 public:
  enum class Sign { Fine, Rising, NotFinite };
  // Steps after the stage's first whose mean must stay risen.
  static constexpr size_t kWindow = 5;

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
  // The mean of the last kWindow losses after the stage's first (what Rising compared).
  double recent_mean() const;

 private:
  double uniform_loss_;
  std::optional<double> start_;
  std::deque<double> recent_;
  bool warned_ = false;
};

}  // namespace sy
