// The Alpaca-style prompt every built-in and imported task is trained and evaluated with, and the
// template-free query the switch reads (a shared response template would hide the task from it).
#pragma once

#include <string>

#include "engine/data/task.h"

namespace sy {

// "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n", the Input section
// left out when the input is empty. The response is example.output; EOS is added by the batching.
std::string format_prompt(const Example& example);

// The instruction, then "\n" and the input when there is one: what the switch network reads.
std::string format_query(const Example& example);

}  // namespace sy
