// Pretraining text for the built-in base model. The instruction documents use the same prompt
// template as fine-tuning but only generic operations, each with several wordings, so the model
// learns to follow the format and to attend to the instruction without seeing any built-in task.
#include "engine/data/pretrain_corpus.h"

#include <algorithm>
#include <cctype>

#include "engine/data/derive_seed.h"
#include "engine/data/number_words.h"
#include "engine/data/prompt_template.h"
#include "engine/data/task.h"
#include "engine/data/word_list.h"
#include "engine/util/rng.h"

namespace sy {

namespace {

constexpr size_t kMaxDocumentBytes = 200;

std::string capitalized(std::string word) {
  if (!word.empty()) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  return word;
}

std::string upper_case(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// One sentence: either a fixed frame around random words or a free run of words with a comma.
std::string make_sentence(Rng& rng) {
  const std::vector<std::string>& words = common_words();
  if (rng.unit() < 0.5) {
    static const std::vector<std::string> frames = {
        "The # is near the #.",  "I saw the # by the #.",    "My # has the #.",
        "Where is the #?",       "We like the # and the #.", "Look at the #!",
        "The # and the # play.", "Is the # in the #?",       "Bring the # to the #."};
    std::string sentence = rng.pick(frames);
    for (size_t at = sentence.find('#'); at != std::string::npos; at = sentence.find('#')) {
      sentence.replace(at, 1, rng.pick(words));
    }
    return sentence;
  }
  std::vector<std::string> run = pick_words(rng, 3, 8);
  run[0] = capitalized(run[0]);
  if (run.size() > 4 && rng.unit() < 0.5) {
    run[static_cast<size_t>(rng.uniform(1, static_cast<int64_t>(run.size()) - 3))] += ",";
  }
  static const std::vector<std::string> ends = {".", ".", ".", "!", "?"};
  return join_words(run) + rng.pick(ends);
}

std::string make_plain_document(Rng& rng) {
  std::string document = make_sentence(rng);
  const int sentences = static_cast<int>(rng.uniform(1, 3));
  for (int i = 1; i < sentences; ++i) {
    const std::string next = make_sentence(rng);
    if (document.size() + 1 + next.size() > kMaxDocumentBytes) break;
    document += " " + next;
  }
  return document;
}

std::string make_number_document(Rng& rng) {
  switch (rng.uniform(0, 3)) {
    case 0: {
      const int n = static_cast<int>(rng.uniform(0, 999));
      return std::to_string(n) + " is " + number_to_words(n) + ".";
    }
    case 1: {
      const int n = static_cast<int>(rng.uniform(0, 999));
      return capitalized(number_to_words(n)) + " is written " + std::to_string(n) + ".";
    }
    case 2: {  // counting in digits
      const int length = static_cast<int>(rng.uniform(4, 10));
      const int start = static_cast<int>(rng.uniform(0, 999 - length));
      std::string text;
      for (int n = start; n < start + length; ++n)
        text += std::to_string(n) + (n + 1 < start + length ? ", " : ".");
      return text;
    }
    default: {  // counting in words; short numbers keep the document small
      const int length = static_cast<int>(rng.uniform(3, 6));
      const int start = static_cast<int>(rng.uniform(0, 99 - length));
      std::string text;
      for (int n = start; n < start + length; ++n) {
        text += number_to_words(n) + (n + 1 < start + length ? ", " : ".");
      }
      return capitalized(text);
    }
  }
}

// Generic operations only: none of these is, or is worded like, a built-in task.
std::string make_instruction_document(Rng& rng, PromptTemplate layout) {
  static const std::vector<std::vector<std::string>> wordings = {
      {"Copy the text.", "Repeat the input exactly.", "Write the text again unchanged."},
      {"Repeat the first word twice.", "Write the first word two times.",
       "Say the first word, then say it again."},
      {"Drop the first word.", "Remove the first word.", "Write everything except the first word."},
      {"Join the words with dashes.", "Put a dash between the words.",
       "Connect the words using hyphens."},
      {"Duplicate each word.", "Write every word twice.", "Say each word two times."},
      {"Write the text in upper case.", "Convert all letters to capitals.",
       "Rewrite the text using only uppercase letters."},
      {"How many letters does the first word have?", "Count the letters in the first word.",
       "Give the length of the first word in letters."},
  };
  const size_t operation = static_cast<size_t>(rng.uniform(0, 6));
  // Two words at least, so that "drop the first word" leaves something; few enough to fit.
  std::vector<std::string> words = pick_words(rng, 2, operation == 4 ? 3 : 5);
  Example example;
  example.instruction = rng.pick(wordings[operation]);
  example.input = join_words(words);
  switch (operation) {
    case 0:
      example.output = example.input;
      break;
    case 1:
      example.output = words[0] + " " + words[0];
      break;
    case 2:
      example.output = join_words(std::vector<std::string>(words.begin() + 1, words.end()));
      break;
    case 3:
      example.output = join_words(words, "-");
      break;
    case 4: {
      std::vector<std::string> doubled;
      for (const std::string& word : words) doubled.insert(doubled.end(), {word, word});
      example.output = join_words(doubled);
      break;
    }
    case 5:
      example.output = upper_case(example.input);
      break;
    default:
      example.output = std::to_string(words[0].size());
      break;
  }
  return format_prompt(layout, example) + example.output;
}

// A random string said twice ("kqz wfe lo | kqz wfe lo"): its second half can only be predicted
// by looking back and copying, which teaches the attention to copy from the input (induction
// heads) — a skill most tasks need and that plain text teaches too slowly for a model this small.
std::string make_repeat_document(Rng& rng) {
  std::vector<std::string> parts;
  const int n = static_cast<int>(rng.uniform(2, 6));
  for (int i = 0; i < n; ++i) {
    if (rng.unit() < 0.5) {
      parts.push_back(rng.pick(common_words()));
    } else {
      std::string token;
      const int letters = static_cast<int>(rng.uniform(2, 5));
      for (int k = 0; k < letters; ++k) token += static_cast<char>('a' + rng.uniform(0, 25));
      parts.push_back(token);
    }
  }
  const std::string text = join_words(parts);
  static const std::vector<std::string> separators = {" | ", "\n", " = ", ": "};
  return text + rng.pick(separators) + text;
}

}  // namespace

std::vector<std::string> make_pretrain_corpus(uint64_t seed, size_t n_documents,
                                              PromptTemplate layout) {
  Rng rng(derive_seed("pretrain-corpus", seed));
  std::vector<std::string> corpus;
  corpus.reserve(n_documents);
  while (corpus.size() < n_documents) {
    const double kind = rng.unit();
    if (kind < 0.3) {
      corpus.push_back(make_plain_document(rng));
    } else if (kind < 0.45) {
      corpus.push_back(make_number_document(rng));
    } else if (kind < 0.65) {
      corpus.push_back(make_repeat_document(rng));
    } else {
      corpus.push_back(make_instruction_document(rng, layout));
    }
  }
  return corpus;
}

}  // namespace sy
