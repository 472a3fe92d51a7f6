// Text generation: greedy or temperature / top-p sampling over a batch of prompts of different
// lengths (left-padded), with or without a KV cache, stopping at end-of-sequence or a budget.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/kernels/precision.h"
#include "engine/model/transformer.h"
#include "engine/tokenizer/tokenizer.h"

namespace sy {

struct GenerationOptions {
  int64_t max_new_tokens = 100;
  double temperature = 0.0;  // 0 = greedy
  double top_p = 1.0;        // nucleus sampling threshold when sampling
  uint64_t seed = 0;         // sampling seed
  bool use_cache = true;
  AdapterId adapter = kNoAdapter;
  int64_t batch_size = 64;  // prompts per forward batch
  Precision precision = Precision::FP32;
};

// Returns, per prompt, the generated ids without the prompt and without the end-of-sequence id.
std::vector<TokenIds> generate(TransformerLM& model, const std::vector<TokenIds>& prompts,
                               const GenerationOptions& options);

}  // namespace sy
