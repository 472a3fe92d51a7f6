// Batches for causal-LM training with the loss on response tokens only.
#include "engine/train/batching.h"

#include <algorithm>

#include <torch/torch.h>

#include "engine/data/prompt_template.h"

namespace sy {

TokenIds encode_prompt(const Tokenizer& tokenizer, PromptTemplate layout, const Example& example) {
  TokenIds ids;
  if (tokenizer.bos_id() >= 0) ids.push_back(tokenizer.bos_id());
  auto body = tokenizer.encode(format_prompt(layout, example));
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

EncodedExample encode_example(const Tokenizer& tokenizer, PromptTemplate layout,
                              const Example& example) {
  EncodedExample e;
  e.prompt = encode_prompt(tokenizer, layout, example);
  e.response = tokenizer.encode(example.output);
  if (tokenizer.eos_id() >= 0) e.response.push_back(tokenizer.eos_id());
  return e;
}

EncodedExample encode_document(const Tokenizer& tokenizer, const std::string& text) {
  EncodedExample e;
  if (tokenizer.bos_id() >= 0) e.prompt.push_back(tokenizer.bos_id());
  e.response = tokenizer.encode(text);
  if (tokenizer.eos_id() >= 0) e.response.push_back(tokenizer.eos_id());
  return e;
}

Batch make_batch(const std::vector<const EncodedExample*>& examples, int64_t pad_id,
                 int64_t max_len) {
  const int64_t B = static_cast<int64_t>(examples.size());
  int64_t T = 0;
  for (const auto* e : examples) T = std::max(T, std::min(e->size(), max_len));
  std::vector<int64_t> ids(static_cast<size_t>(B * T), pad_id);
  std::vector<int64_t> mask(static_cast<size_t>(B * T), 0);
  std::vector<int64_t> labels(static_cast<size_t>(B * T), kIgnoreIndex);
  Batch batch;
  for (int64_t b = 0; b < B; ++b) {
    const auto& e = *examples[static_cast<size_t>(b)];
    TokenIds seq(e.prompt);
    seq.insert(seq.end(), e.response.begin(), e.response.end());
    int64_t prompt_len = static_cast<int64_t>(e.prompt.size());
    const int64_t drop = std::max<int64_t>(0, static_cast<int64_t>(seq.size()) - max_len);
    seq.erase(seq.begin(), seq.begin() + drop);  // drop the start, keep the answer
    prompt_len = std::max<int64_t>(0, prompt_len - drop);
    const int64_t n = static_cast<int64_t>(seq.size());
    for (int64_t t = 0; t < n; ++t) {
      ids[static_cast<size_t>(b * T + t)] = seq[static_cast<size_t>(t)];
      mask[static_cast<size_t>(b * T + t)] = 1;
      // Position t predicts token t + 1; only response tokens are targets.
      if (t + 1 < n && t + 1 >= prompt_len) {
        labels[static_cast<size_t>(b * T + t)] = seq[static_cast<size_t>(t + 1)];
        ++batch.target_tokens;
      }
    }
    batch.tokens += n;
  }
  batch.input_ids = torch::tensor(ids, torch::kLong).view({B, T});
  batch.attention_mask = torch::tensor(mask, torch::kLong).view({B, T});
  batch.labels = torch::tensor(labels, torch::kLong).view({B, T});
  return batch;
}

std::vector<std::vector<size_t>> plan_batches(const std::vector<EncodedExample>& examples,
                                              int64_t batch_size, Rng& rng) {
  std::vector<size_t> order(examples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  rng.shuffle(order);
  const size_t bs = static_cast<size_t>(std::max<int64_t>(1, batch_size));
  const size_t window = bs * 50;
  for (size_t start = 0; start < order.size(); start += window) {
    auto first = order.begin() + static_cast<std::ptrdiff_t>(start);
    auto last = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + window));
    std::stable_sort(first, last,
                     [&](size_t a, size_t b) { return examples[a].size() < examples[b].size(); });
  }
  std::vector<std::vector<size_t>> batches;
  for (size_t start = 0; start < order.size(); start += bs) {
    batches.emplace_back(
        order.begin() + static_cast<std::ptrdiff_t>(start),
        order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + bs)));
  }
  rng.shuffle(batches);
  return batches;
}

Batch BatchStream::next() {
  if (next_ >= epoch_.size()) {
    epoch_ = plan_batches(data_, batch_size_, rng_);
    next_ = 0;
  }
  std::vector<const EncodedExample*> members;
  for (size_t i : epoch_[next_++]) members.push_back(&data_[i]);
  return make_batch(members, pad_id_, max_len_);
}

}  // namespace sy
