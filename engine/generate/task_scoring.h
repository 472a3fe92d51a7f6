// Scoring a model (optionally through one adapter) on a task's examples: generate each answer
// greedily in batches with the KV cache, then apply the task's metric.
#pragma once

#include <string>
#include <vector>

#include "engine/data/task.h"
#include "engine/generate/generation.h"
#include "engine/tokenizer/tokenizer.h"

namespace sy {

struct Evaluation {
  double score = 0;  // in [0, 1]
  std::vector<std::string> predictions;
};

// Greedy (or as `options` say) answers to the examples' prompts, decoded to text.
std::vector<std::string> generate_answers(TransformerLM& model, const Tokenizer& tokenizer,
                                          const std::vector<Example>& examples,
                                          const GenerationOptions& options);

// The task metric (exact, rouge1/2/L/Lsum F-measure, corpus bleu, constraint) of predictions
// against the examples' outputs, in [0, 1].
double score_predictions(const std::string& metric, const std::vector<std::string>& predictions,
                         const std::vector<Example>& examples);

Evaluation evaluate_examples(TransformerLM& model, const Tokenizer& tokenizer,
                             const std::vector<Example>& examples, const std::string& metric,
                             const GenerationOptions& options);

}  // namespace sy
