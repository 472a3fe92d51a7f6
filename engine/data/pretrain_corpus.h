// The text the built-in byte-level base model is pretrained on: enough English-ish words, numbers
// and instruction-format documents that fine-tuning starts from a model that can read prompts,
// yet none of the built-in tasks, so that the score matrix's row 0 shows what each stage taught.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/prompt_template.h"

namespace sy {

// n_documents documents of at most 200 bytes each, the same for the same seed: about 30 % plain
// sentences, 15 % numbers and number words, 20 % random strings said twice (copy practice), 35 %
// prompts with answers for generic operations (copy, upper case, join with dashes, ...) that are
// not built-in tasks, laid out in `layout`, the template the model will be asked in.
std::vector<std::string> make_pretrain_corpus(uint64_t seed, size_t n_documents,
                                              PromptTemplate layout);

}  // namespace sy
