// Turning examples into padded training batches: prompt tokens are context only, the response
// (and its end-of-sequence token) is what the loss is computed on.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "engine/data/prompt_template.h"
#include "engine/data/task.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/util/rng.h"

namespace sy {

struct EncodedExample {
  TokenIds prompt;    // BOS (if the tokenizer has one) + the formatted prompt
  TokenIds response;  // the answer + EOS
  int64_t size() const { return static_cast<int64_t>(prompt.size() + response.size()); }
};

// `layout` is the model's (ModelConfig::prompt_template): a model is taught and asked alike.
EncodedExample encode_example(const Tokenizer& tokenizer, PromptTemplate layout,
                              const Example& example);
// A plain document (pretraining): everything after BOS is a target.
EncodedExample encode_document(const Tokenizer& tokenizer, const std::string& text);
// The prompt ids generation starts from (BOS + formatted prompt).
TokenIds encode_prompt(const Tokenizer& tokenizer, PromptTemplate layout, const Example& example);

struct Batch {
  at::Tensor input_ids;       // [B, T]
  at::Tensor attention_mask;  // [B, T] 1 real, 0 padding (right padding)
  at::Tensor labels;          // [B, T] next-token targets; -100 where no loss is taken
  int64_t tokens = 0;         // real tokens in the batch
  int64_t target_tokens = 0;  // tokens the loss is computed on
};

// Pads to the longest member (at most max_len; longer examples lose the start of their prompt,
// never their response).
Batch make_batch(const std::vector<const EncodedExample*>& examples, int64_t pad_id,
                 int64_t max_len);

// One epoch's batches as index lists: shuffled, then grouped by length within windows of 50
// batches so that padding stays small while the order stays random. Deterministic given rng.
std::vector<std::vector<size_t>> plan_batches(const std::vector<EncodedExample>& examples,
                                              int64_t batch_size, Rng& rng);

// The training loop's micro-batches, one after another: plan_batches' epochs, planned anew each
// time one is used up, each batch made with make_batch. A pure function of (data, settings, seed),
// which is what lets a benchmark's Python peer train on the very batches the trainer draws.
class BatchStream {
 public:
  BatchStream(const std::vector<EncodedExample>& data, int64_t batch_size, uint64_t seed,
              int64_t pad_id, int64_t max_len)
      : data_(data), batch_size_(batch_size), pad_id_(pad_id), max_len_(max_len), rng_(seed) {}
  Batch next();

 private:
  const std::vector<EncodedExample>& data_;
  int64_t batch_size_, pad_id_, max_len_;
  Rng rng_;
  std::vector<std::vector<size_t>> epoch_;
  size_t next_ = 0;
};

constexpr int64_t kIgnoreIndex = -100;

}  // namespace sy
