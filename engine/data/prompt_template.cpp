// One place for the prompt layouts, so training, evaluation and the playground never drift apart.
#include "engine/data/prompt_template.h"

namespace sy {

std::string format_prompt(PromptTemplate layout, const Example& example) {
  std::string prompt;
  switch (layout) {
    case PromptTemplate::Alpaca:
      prompt = "### Instruction:\n" + example.instruction + "\n\n";
      if (!example.input.empty()) prompt += "### Input:\n" + example.input + "\n\n";
      prompt += "### Response:\n";
      break;
    case PromptTemplate::Compact:
      prompt = example.instruction + "\n";
      if (!example.input.empty()) prompt += example.input + "\n";
      prompt += "=> ";
      break;
  }
  return prompt;
}

std::string format_query(const Example& example) {
  if (example.input.empty()) return example.instruction;
  return example.instruction + "\n" + example.input;
}

}  // namespace sy
