// Post-processors of tokenizer.json: the special tokens added around an encoded text when the
// caller asks for them (Llama 2's TemplateProcessing puts <s> first; ByteLevel adds nothing).
#pragma once

#include <memory>
#include <string>

#include "engine/tokenizer/tokenizer.h"

namespace sy {

class JsonNode;

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // The ids of one sequence with the special tokens of the single-sequence template.
  virtual TokenIds process(TokenIds ids) const = 0;
};

// The "post_processor" object: TemplateProcessing, ByteLevel, Sequence, BertProcessing or
// RobertaProcessing; anything else is an error naming the field.
std::unique_ptr<const PostProcessor> make_post_processor(const JsonNode& node);

}  // namespace sy
