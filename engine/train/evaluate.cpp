// Task evaluation. Only exact match is known here for now; other text metrics plug in by name.
#include "engine/train/evaluate.h"

#include "engine/eval/exact_match.h"
#include "engine/train/batching.h"
#include "engine/util/error.h"

namespace sy {

double score_predictions(const std::string& metric, const std::vector<std::string>& predictions,
                         const std::vector<Example>& examples) {
  if (metric != "exact") throw Error("unknown metric \"" + metric + "\"; expected exact");
  std::vector<std::string> references;
  for (const auto& e : examples) references.push_back(e.output);
  return exact_match_score(predictions, references);
}

Evaluation evaluate_examples(TransformerLM& model, const Tokenizer& tokenizer,
                             const std::vector<Example>& examples, const std::string& metric,
                             const GenerationOptions& options) {
  std::vector<TokenIds> prompts;
  for (const auto& e : examples) prompts.push_back(encode_prompt(tokenizer, e));
  Evaluation result;
  for (const auto& ids : generate(model, prompts, options)) {
    result.predictions.push_back(tokenizer.decode(ids));
  }
  result.score = score_predictions(metric, result.predictions, examples);
  return result;
}

}  // namespace sy
