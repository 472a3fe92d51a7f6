// Task evaluation: scores a task's predictions with the metric it declares (exact match, ROUGE,
// BLEU, constraint), by name.
#include "engine/generate/task_scoring.h"

#include "engine/metrics/bleu.h"
#include "engine/metrics/constraint.h"
#include "engine/metrics/exact_match.h"
#include "engine/metrics/rouge.h"
#include "engine/train/batching.h"
#include "engine/util/error.h"

namespace sy {

std::vector<std::string> generate_answers(TransformerLM& model, const Tokenizer& tokenizer,
                                          const std::vector<Example>& examples,
                                          const GenerationOptions& options) {
  std::vector<TokenIds> prompts;
  prompts.reserve(examples.size());
  for (const auto& e : examples)
    prompts.push_back(encode_prompt(tokenizer, model->config().prompt_template, e));
  std::vector<std::string> answers;
  for (const auto& ids : generate(model, prompts, options))
    answers.push_back(tokenizer.decode(ids));
  return answers;
}

double score_predictions(const std::string& metric, const std::vector<std::string>& predictions,
                         const std::vector<Example>& examples) {
  std::vector<std::string> references;
  std::vector<std::vector<std::string>> reference_lists;
  for (const auto& e : examples) {
    references.push_back(e.output);
    reference_lists.push_back({e.output});
  }
  if (metric == "exact") return exact_match_score(predictions, references);
  if (metric == "rouge1" || metric == "rouge2" || metric == "rougeL" || metric == "rougeLsum") {
    return rouge_mean(rouge_type_from_name(metric), predictions, reference_lists, false).fmeasure;
  }
  if (metric == "bleu") return corpus_bleu(predictions, reference_lists).score / 100.0;
  if (metric == "constraint") return constraint_score(predictions, reference_lists);
  throw Error("unknown task metric \"" + metric +
              "\"; expected exact, rouge1, rouge2, rougeL, rougeLsum, bleu or constraint");
}

Evaluation evaluate_examples(TransformerLM& model, const Tokenizer& tokenizer,
                             const std::vector<Example>& examples, const std::string& metric,
                             const GenerationOptions& options) {
  Evaluation result;
  result.predictions = generate_answers(model, tokenizer, examples, options);
  result.score = score_predictions(metric, result.predictions, examples);
  return result;
}

}  // namespace sy
