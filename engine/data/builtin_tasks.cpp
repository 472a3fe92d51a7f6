// The built-in tasks stand in for the real natural-language generation tasks of continual
// instruction tuning benchmarks (CT0, SuperNI): each one is a small, exactly scorable string
// operation over common words or numbers, so that a ~1M-parameter byte-level model learns one in
// minutes on a laptop CPU and forgetting shows up as plainly as on the real benchmarks. As in CT0,
// every task is asked with several differently worded instructions, so that the switch network
// has to recognise a task, not memorise one sentence.
#include "engine/data/builtin_tasks.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "engine/data/derive_seed.h"
#include "engine/data/number_words.h"
#include "engine/data/word_list.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace sy {

namespace {

// Word-list inputs hold this many words: the outputs stay under 60 bytes (7 * 7 letters + 6).
constexpr int kMinWords = 3;
constexpr int kMaxWords = 7;

// After this many draws in a row that produce no new example, the input space counts as used up.
constexpr int kMaxRejectsInARow = 100000;

using Generator = Example (*)(Rng&);

struct TaskDef {
  const char* name;
  const char* description;
  // false where the inputs are so few (spell: 1000, add: 10000) that the train split may repeat.
  bool distinct_train_inputs;
  Generator generate;
};

// An example whose instruction is one of `wordings`, chosen by the generator.
Example make_example(Rng& rng, const std::vector<std::string>& wordings, std::string input,
                     std::string output) {
  return Example{rng.pick(wordings), std::move(input), std::move(output)};
}

Example generate_reverse(Rng& rng) {
  static const std::vector<std::string> wordings = {
      "Reverse the order of the words.", "Write the words in reverse order.",
      "List these words from last to first.", "Put the words in the opposite order.",
      "Rewrite the list with the words backwards, last word first."};
  std::vector<std::string> words = pick_words(rng, kMinWords, kMaxWords);
  const std::string input = join_words(words);
  std::reverse(words.begin(), words.end());
  return make_example(rng, wordings, input, join_words(words));
}

Example generate_sort(Rng& rng) {
  static const std::vector<std::string> wordings = {
      "Sort the words alphabetically.", "Put these words in alphabetical order.",
      "Arrange the words from A to Z.", "List the words in dictionary order.",
      "Order the words alphabetically, separated by spaces."};
  std::vector<std::string> words = pick_words(rng, kMinWords, kMaxWords);
  const std::string input = join_words(words);
  std::sort(words.begin(), words.end());
  return make_example(rng, wordings, input, join_words(words));
}

Example generate_capitalize(Rng& rng) {
  static const std::vector<std::string> wordings = {
      "Capitalize each word.", "Make the first letter of every word uppercase.",
      "Write each word with a capital first letter.", "Convert the words to title case.",
      "Start every word with a capital letter."};
  std::vector<std::string> words = pick_words(rng, kMinWords, kMaxWords);
  const std::string input = join_words(words);
  for (std::string& word : words) word[0] = static_cast<char>(std::toupper(word[0]));
  return make_example(rng, wordings, input, join_words(words));
}

Example generate_count(Rng& rng) {
  static const std::vector<std::string> wordings = {
      "Count the words.", "How many words are there?", "Give the number of words in the text.",
      "Tell me how many words this contains.", "What is the word count? Answer with digits."};
  const std::vector<std::string> words = pick_words(rng, kMinWords, kMaxWords);
  return make_example(rng, wordings, join_words(words), std::to_string(words.size()));
}

Example generate_spell(Rng& rng) {
  static const std::vector<std::string> wordings = {
      "Write the number in words.", "Spell out this number.",
      "Express the number in English words.", "How is this number written in words?",
      "Convert the digits to words."};
  const int n = static_cast<int>(rng.uniform(0, 999));
  return make_example(rng, wordings, std::to_string(n), number_to_words(n));
}

Example generate_add(Rng& rng) {
  static const std::vector<std::string> wordings = {
      "Add the two numbers.", "What is the sum?", "Compute the total of these two numbers.",
      "Give the sum of the numbers.", "Calculate the result of the addition."};
  const int a = static_cast<int>(rng.uniform(0, 99));
  const int b = static_cast<int>(rng.uniform(0, 99));
  return make_example(rng, wordings, std::to_string(a) + " + " + std::to_string(b),
                      std::to_string(a + b));
}

Example generate_filter(Rng& rng) {
  // The letter (in place of the %) is always written in double quotes, so that it reads clearly.
  static const std::vector<std::string> wordings = {
      "Keep only the words that start with the letter \"%\".",
      "List the words beginning with \"%\".", "Which words start with \"%\"? Keep their order.",
      "Remove every word that does not begin with \"%\".",
      "Select the words whose first letter is \"%\"."};
  const std::vector<std::string> words = pick_words(rng, kMinWords, kMaxWords);
  // Taking the letter from one of the words guarantees a non-empty answer.
  const char letter = rng.pick(words)[0];
  std::vector<std::string> kept;
  for (const std::string& word : words) {
    if (word[0] == letter) kept.push_back(word);
  }
  std::string instruction = rng.pick(wordings);
  instruction[instruction.find('%')] = letter;
  return Example{instruction, join_words(words), join_words(kept)};
}

Example generate_last_word(Rng& rng) {
  static const std::vector<std::string> wordings = {
      "What is the last word?", "Give the final word of the text.", "Write only the last word.",
      "Which word comes at the end?", "Return the word at the end of the list."};
  const std::vector<std::string> words = pick_words(rng, kMinWords, kMaxWords);
  return make_example(rng, wordings, join_words(words), words.back());
}

Example generate_first_letters(Rng& rng) {
  static const std::vector<std::string> wordings = {
      "Write the first letter of each word.", "Join the initial letters of the words.",
      "Give the first letter of every word, with no spaces.", "Form a word from the first letters.",
      "Take the first letter of each word and put them together."};
  const std::vector<std::string> words = pick_words(rng, kMinWords, kMaxWords);
  std::string initials;
  for (const std::string& word : words) initials.push_back(word[0]);
  return make_example(rng, wordings, join_words(words), initials);
}

const std::vector<TaskDef>& task_defs() {
  static const std::vector<TaskDef> defs = {
      {"reverse", "Reverse the order of 3 to 7 words.", true, generate_reverse},
      {"sort", "Sort 3 to 7 words alphabetically.", true, generate_sort},
      {"capitalize", "Capitalise the first letter of each of 3 to 7 words.", true,
       generate_capitalize},
      {"count", "Count 3 to 7 words and answer in digits.", true, generate_count},
      {"spell", "Write a number from 0 to 999 in English words.", false, generate_spell},
      {"add", "Add two numbers from 0 to 99 and answer in digits.", false, generate_add},
      {"filter", "Keep only the words that start with a given letter.", true, generate_filter},
      {"last-word", "Give the last of 3 to 7 words.", true, generate_last_word},
      {"first-letters", "Join the first letters of 3 to 7 words, as in \"tbf\".", true,
       generate_first_letters},
  };
  return defs;
}

const TaskDef* find_task_def(const std::string& name) {
  for (const TaskDef& def : task_defs()) {
    if (name == def.name) return &def;
  }
  return nullptr;
}

std::string known_names() {
  std::string names;
  for (const TaskDef& def : task_defs()) {
    if (!names.empty()) names += ", ";
    names += def.name;
  }
  return names;
}

[[noreturn]] void throw_input_space_used_up(const TaskDef& def, int n_train, int n_test) {
  throw Error("built-in task \"" + std::string(def.name) + "\" ran out of distinct inputs for " +
              std::to_string(n_train) + " train and " + std::to_string(n_test) +
              " test examples; expected fewer examples for this task.");
}

}  // namespace

const std::vector<BuiltinTaskInfo>& builtin_tasks() {
  static const std::vector<BuiltinTaskInfo> infos = [] {
    std::vector<BuiltinTaskInfo> list;
    for (const TaskDef& def : task_defs()) list.push_back({def.name, def.description});
    return list;
  }();
  return infos;
}

bool is_builtin_task(const std::string& name) {
  return find_task_def(name) != nullptr;
}

Task make_builtin_task(const std::string& name, uint64_t seed, int n_train, int n_test) {
  const TaskDef* def = find_task_def(name);
  if (def == nullptr) {
    throw Error("unknown built-in task \"" + name + "\"; expected one of: " + known_names() + ".");
  }
  if (n_train < 0 || n_test < 0) {
    throw Error("built-in task \"" + name + "\" asked for " + std::to_string(n_train) +
                " train and " + std::to_string(n_test) +
                " test examples; expected counts of zero or more.");
  }

  Task task;
  task.name = def->name;
  task.description = def->description;
  task.metric = "exact";
  Rng rng(derive_seed(name, seed));

  // The test split is drawn first, so that train can be kept clear of every test input.
  std::set<std::string> test_inputs;
  int rejects = 0;
  while (static_cast<int>(task.test.size()) < n_test) {
    Example example = def->generate(rng);
    if (!test_inputs.insert(example.input).second) {
      if (++rejects > kMaxRejectsInARow) throw_input_space_used_up(*def, n_train, n_test);
      continue;
    }
    rejects = 0;
    task.test.push_back(std::move(example));
  }

  std::set<std::string> train_inputs;
  rejects = 0;
  while (static_cast<int>(task.train.size()) < n_train) {
    Example example = def->generate(rng);
    const bool rejected =
        test_inputs.count(example.input) > 0 ||
        (def->distinct_train_inputs && !train_inputs.insert(example.input).second);
    if (rejected) {
      if (++rejects > kMaxRejectsInARow) throw_input_space_used_up(*def, n_train, n_test);
      continue;
    }
    rejects = 0;
    task.train.push_back(std::move(example));
  }
  return task;
}

}  // namespace sy
