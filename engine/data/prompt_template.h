// The prompt templates examples are trained and evaluated with, and the template-free query the
// switch reads (a shared response template would hide the task from it). The template belongs
// to the model: a model is asked in the layout it was trained in (its config's
// "prompt_template").
#pragma once

#include <string>

#include "engine/data/task.h"

namespace sy {

enum class PromptTemplate {
  // "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n": the layout of
  // Alpaca and of most instruction-tuned checkpoints; what a config without the field means.
  Alpaca,
  // "{instruction}\n{input}\n=> ": the built-in byte-level model's. Every byte of a prompt is a
  // token there, and Alpaca's headers were ~48 of a typical demo example's ~143 tokens.
  Compact,
};

// The prompt for `example` (the response, example.output, follows it; EOS is added by the
// batching). The input line or section is left out when the input is empty.
std::string format_prompt(PromptTemplate layout, const Example& example);

// The instruction, then "\n" and the input when there is one: what the switch network reads.
std::string format_query(const Example& example);

}  // namespace sy
