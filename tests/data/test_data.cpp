// The data a user trains on: byte tokenizer round trips, the built-in tasks (deterministic, split
// cleanly, answers right by an independent check, several wordings), the pretraining corpus
// (free of built-in tasks), JSONL import errors a user can act on, and exact-match scoring.
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>
#include "tests/common/error_message.h"

#include "engine/data/builtin_tasks.h"
#include "engine/data/jsonl_import.h"
#include "engine/data/number_words.h"
#include "engine/data/pretrain_corpus.h"
#include "engine/data/prompt_template.h"
#include "engine/data/word_list.h"
#include "engine/metrics/exact_match.h"
#include "engine/tokenizer/byte_tokenizer.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"
#include "engine/util/rng.h"

namespace {

using sy::test::error_message;

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

std::string join(const std::vector<std::string>& words, const char* separator = " ") {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : separator) + word;
  return text;
}

// Number words written here a second way (by lookup tables of whole tens), to check the engine's.
std::string spell_independently(int n) {
  static const std::vector<std::string> small = {
      "zero",     "one",     "two",     "three",     "four",     "five",    "six",
      "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",  "thirteen",
      "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const std::map<int, std::string> tens = {{20, "twenty"}, {30, "thirty"}, {40, "forty"},
                                                  {50, "fifty"},  {60, "sixty"},  {70, "seventy"},
                                                  {80, "eighty"}, {90, "ninety"}};
  std::vector<std::string> parts;
  if (n >= 100) parts.push_back(small[static_cast<size_t>(n / 100)] + " hundred");
  const int rest = n % 100;
  if (rest == 0 && n != 0) return join(parts);
  if (rest < 20) {
    parts.push_back(small[static_cast<size_t>(rest)]);
  } else if (rest % 10 == 0) {
    parts.push_back(tens.at(rest));
  } else {
    parts.push_back(tens.at(rest - rest % 10) + "-" + small[static_cast<size_t>(rest % 10)]);
  }
  return join(parts);
}

// The filter task quotes its letter; replacing it gives the wording the example was drawn from.
std::string instruction_wording(const sy::Example& example) {
  std::string wording = example.instruction;
  const size_t quote = wording.find('"');
  if (quote != std::string::npos && quote + 2 < wording.size() && wording[quote + 2] == '"') {
    wording[quote + 1] = '?';
  }
  return wording;
}

void write_file(const QString& path, const std::string& text) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  out << text;
}

const char* const kAllTaskNames[] = {"reverse", "sort",   "capitalize", "count",        "spell",
                                     "add",     "filter", "last-word",  "first-letters"};

}  // namespace

class TestData : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void byteTokenizerRoundTripsEveryByte();
  void byteTokenizerRendersSpecialTokens();
  void promptTemplatesLayOutExamples();
  void wordListIsShortDistinctLowercaseWords();
  void numberWordsKnownValues();
  void builtinTaskListHasTheNamedTasks();
  void builtinTasksAreDeterministicPerSeed();
  void builtinTaskSplitsAreDisjointByInput();
  void builtinTaskAnswersAreCorrect();
  void builtinTasksUseSeveralWordings();
  void unknownBuiltinTaskListsKnownNames();
  void builtinTaskRefusesImpossibleCounts();
  void jsonlLoadsAGoodFile();
  void jsonlReportsFileLineAndField();
  void jsonlSplitsTrainFileDeterministically();
  void jsonlUsesAGivenTestFile();
  void jsonlBoundsLinesAndNesting();
  void jsonReadingIsBounded();
  void exactMatchNormalizesWhitespaceOnly();
  void pretrainCorpusIsDeterministicAndMixed();
  void pretrainCorpusHoldsNoBuiltinTaskWording();
};

void TestData::byteTokenizerRoundTripsEveryByte() {
  const sy::ByteTokenizer tokenizer;
  QCOMPARE(tokenizer.vocab_size(), int64_t{259});
  QCOMPARE(tokenizer.pad_id(), int64_t{256});
  QCOMPARE(tokenizer.bos_id(), int64_t{257});
  QCOMPARE(tokenizer.eos_id(), int64_t{258});

  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  const sy::TokenIds ids = tokenizer.encode(every_byte);
  QCOMPARE(ids.size(), size_t{256});
  for (int b = 0; b < 256; ++b) QCOMPARE(ids[static_cast<size_t>(b)], int64_t{b});
  QVERIFY(tokenizer.decode(ids) == every_byte);

  sy::Rng rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::string bytes;
    const int length = static_cast<int>(rng.uniform(0, 64));
    for (int i = 0; i < length; ++i) bytes.push_back(static_cast<char>(rng.uniform(0, 255)));
    QVERIFY(tokenizer.decode(tokenizer.encode(bytes)) == bytes);
    QVERIFY(tokenizer.decode(tokenizer.encode(bytes), false) == bytes);
  }

  const std::string utf8 =
      "h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x9A\x80";  // héllo 世界 🚀
  QCOMPARE(tokenizer.encode(utf8).size(), utf8.size());
  QVERIFY(tokenizer.decode(tokenizer.encode(utf8)) == utf8);
  const std::string broken = "\xFF\xFE\xC3 \x80";  // not valid UTF-8
  QVERIFY(tokenizer.decode(tokenizer.encode(broken)) == broken);
}

void TestData::byteTokenizerRendersSpecialTokens() {
  const sy::ByteTokenizer tokenizer;
  const sy::TokenIds ids = {sy::ByteTokenizer::kBos, 'h', 'i', sy::ByteTokenizer::kEos,
                            sy::ByteTokenizer::kPad};
  QCOMPARE(tokenizer.decode(ids), std::string("hi"));
  QCOMPARE(tokenizer.decode(ids, false), std::string("<bos>hi<eos><pad>"));
  QVERIFY(tokenizer.encode("<eos>").size() == 5);  // text never becomes a special token
}

void TestData::promptTemplatesLayOutExamples() {
  const sy::Example with_input{"Reverse the words.", "cat dog", "dog cat"};
  QCOMPARE(sy::format_prompt(sy::PromptTemplate::Alpaca, with_input),
           std::string("### Instruction:\nReverse the words.\n\n### Input:\ncat dog\n\n"
                       "### Response:\n"));
  QCOMPARE(sy::format_query(with_input), std::string("Reverse the words.\ncat dog"));

  const sy::Example without_input{"Name a color.", "", "blue"};
  QCOMPARE(sy::format_prompt(sy::PromptTemplate::Alpaca, without_input),
           std::string("### Instruction:\nName a color.\n\n### Response:\n"));
  QCOMPARE(sy::format_query(without_input), std::string("Name a color."));

  QCOMPARE(sy::format_prompt(sy::PromptTemplate::Compact, with_input),
           std::string("Reverse the words.\ncat dog\n=> "));
  QCOMPARE(sy::format_prompt(sy::PromptTemplate::Compact, without_input),
           std::string("Name a color.\n=> "));
}

void TestData::wordListIsShortDistinctLowercaseWords() {
  const std::vector<std::string>& words = sy::common_words();
  QVERIFY2(words.size() >= 280, std::to_string(words.size()).c_str());
  std::set<std::string> seen;
  for (const std::string& word : words) {
    QVERIFY2(word.size() >= 3 && word.size() <= 7, word.c_str());
    QVERIFY2(std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; }),
             word.c_str());
    QVERIFY2(seen.insert(word).second, ("duplicate word " + word).c_str());
  }
}

void TestData::numberWordsKnownValues() {
  QCOMPARE(sy::number_to_words(0), std::string("zero"));
  QCOMPARE(sy::number_to_words(7), std::string("seven"));
  QCOMPARE(sy::number_to_words(15), std::string("fifteen"));
  QCOMPARE(sy::number_to_words(40), std::string("forty"));
  QCOMPARE(sy::number_to_words(42), std::string("forty-two"));
  QCOMPARE(sy::number_to_words(100), std::string("one hundred"));
  QCOMPARE(sy::number_to_words(111), std::string("one hundred eleven"));
  QCOMPARE(sy::number_to_words(342), std::string("three hundred forty-two"));
  QCOMPARE(sy::number_to_words(700), std::string("seven hundred"));
  QCOMPARE(sy::number_to_words(909), std::string("nine hundred nine"));
  QCOMPARE(sy::number_to_words(999), std::string("nine hundred ninety-nine"));
  for (int n = 0; n <= 999; ++n) {
    QCOMPARE(sy::number_to_words(n), spell_independently(n));
  }
}

void TestData::builtinTaskListHasTheNamedTasks() {
  std::set<std::string> listed;
  for (const sy::BuiltinTaskInfo& info : sy::builtin_tasks()) {
    QVERIFY2(!info.description.empty() && info.description.find('\n') == std::string::npos,
             info.name.c_str());
    QVERIFY(sy::is_builtin_task(info.name));
    listed.insert(info.name);
  }
  QVERIFY(listed.size() >= 9);
  for (const char* name : kAllTaskNames) QVERIFY2(listed.count(name) == 1, name);
  QVERIFY(!sy::is_builtin_task("Reverse"));
  QVERIFY(!sy::is_builtin_task(""));
}

void TestData::builtinTasksAreDeterministicPerSeed() {
  for (const sy::BuiltinTaskInfo& info : sy::builtin_tasks()) {
    const sy::Task a = sy::make_builtin_task(info.name, 7, 200, 50);
    const sy::Task b = sy::make_builtin_task(info.name, 7, 200, 50);
    const sy::Task other = sy::make_builtin_task(info.name, 8, 200, 50);
    QCOMPARE(a.name, info.name);
    QCOMPARE(a.metric, std::string("exact"));
    QCOMPARE(a.train.size(), size_t{200});
    QCOMPARE(a.test.size(), size_t{50});
    bool same = true;
    bool differs = false;
    for (size_t i = 0; i < a.train.size(); ++i) {
      same = same && a.train[i].instruction == b.train[i].instruction &&
             a.train[i].input == b.train[i].input && a.train[i].output == b.train[i].output;
      differs = differs || a.train[i].input != other.train[i].input ||
                a.train[i].instruction != other.train[i].instruction;
    }
    for (size_t i = 0; i < a.test.size(); ++i) {
      same = same && a.test[i].instruction == b.test[i].instruction &&
             a.test[i].input == b.test[i].input && a.test[i].output == b.test[i].output;
    }
    QVERIFY2(same, ("seed 7 gave two different " + info.name + " tasks").c_str());
    QVERIFY2(differs, ("seeds 7 and 8 gave the same " + info.name + " task").c_str());
  }
  // Tasks with the same seed are still different streams (the seed is hashed with the name).
  QVERIFY(sy::make_builtin_task("reverse", 1, 5, 0).train[0].input !=
          sy::make_builtin_task("sort", 1, 5, 0).train[0].input);
}

void TestData::builtinTaskSplitsAreDisjointByInput() {
  for (const sy::BuiltinTaskInfo& info : sy::builtin_tasks()) {
    const sy::Task task = sy::make_builtin_task(info.name, 3, 1500, 200);
    std::set<std::string> test_inputs;
    for (const sy::Example& example : task.test) {
      QVERIFY2(test_inputs.insert(example.input).second,
               (info.name + ": test input repeats: " + example.input).c_str());
    }
    std::set<std::string> train_inputs;
    for (const sy::Example& example : task.train) {
      QVERIFY2(test_inputs.count(example.input) == 0,
               (info.name + ": test input also in train: " + example.input).c_str());
      const bool small_input_space = info.name == "spell" || info.name == "add";
      QVERIFY2(train_inputs.insert(example.input).second || small_input_space,
               (info.name + ": train input repeats: " + example.input).c_str());
    }
  }
}

void TestData::builtinTaskAnswersAreCorrect() {
  const std::set<std::string> vocabulary(sy::common_words().begin(), sy::common_words().end());
  for (const char* name_chars : kAllTaskNames) {
    const std::string name = name_chars;
    const sy::Task task = sy::make_builtin_task(name, 5, 400, 100);
    std::vector<sy::Example> all = task.train;
    all.insert(all.end(), task.test.begin(), task.test.end());
    for (const sy::Example& ex : all) {
      const std::string context = name + ": \"" + ex.input + "\" -> \"" + ex.output + "\"";
      QVERIFY2(!ex.instruction.empty(), context.c_str());
      QVERIFY2(!ex.output.empty() && ex.output.size() <= 60, context.c_str());
      const std::vector<std::string> words = split(ex.input);
      std::string expected;
      if (name == "spell") {
        const int n = std::stoi(ex.input);
        QVERIFY2(n >= 0 && n <= 999 && std::to_string(n) == ex.input, context.c_str());
        expected = spell_independently(n);
      } else if (name == "add") {
        QVERIFY2(words.size() == 3 && words[1] == "+", context.c_str());
        const int a = std::stoi(words[0]);
        const int b = std::stoi(words[2]);
        QVERIFY2(a >= 0 && a <= 99 && b >= 0 && b <= 99, context.c_str());
        expected = std::to_string(a + b);
      } else {
        QVERIFY2(words.size() >= 3 && words.size() <= 7, context.c_str());
        for (const std::string& word : words) QVERIFY2(vocabulary.count(word), context.c_str());
        if (name == "reverse") {
          expected = join(std::vector<std::string>(words.rbegin(), words.rend()));
        } else if (name == "sort") {
          std::vector<std::string> sorted = words;
          std::sort(sorted.begin(), sorted.end());
          expected = join(sorted);
        } else if (name == "capitalize") {
          std::vector<std::string> capitals = words;
          for (std::string& word : capitals) word[0] = static_cast<char>(word[0] - 'a' + 'A');
          expected = join(capitals);
        } else if (name == "count") {
          expected = std::to_string(words.size());
        } else if (name == "filter") {
          const size_t quote = ex.instruction.find('"');
          QVERIFY2(quote != std::string::npos && ex.instruction[quote + 2] == '"',
                   ("no quoted letter in: " + ex.instruction).c_str());
          const char letter = ex.instruction[quote + 1];
          std::vector<std::string> kept;
          for (const std::string& word : words) {
            if (word[0] == letter) kept.push_back(word);
          }
          QVERIFY2(!kept.empty(), context.c_str());
          expected = join(kept);
        } else if (name == "last-word") {
          expected = words.back();
        } else if (name == "first-letters") {
          for (const std::string& word : words) expected.push_back(word[0]);
        }
      }
      QVERIFY2(ex.output == expected, (context + ", expected \"" + expected + "\"").c_str());
    }
  }
}

void TestData::builtinTasksUseSeveralWordings() {
  std::map<std::string, std::string> owner;  // wording -> task: no wording serves two tasks
  for (const sy::BuiltinTaskInfo& info : sy::builtin_tasks()) {
    const sy::Task task = sy::make_builtin_task(info.name, 1, 300, 0);
    std::set<std::string> wordings;
    for (const sy::Example& example : task.train) wordings.insert(instruction_wording(example));
    QVERIFY2(wordings.size() >= 4,
             (info.name + " uses " + std::to_string(wordings.size()) + " wordings").c_str());
    for (const std::string& wording : wordings) {
      const auto inserted = owner.emplace(wording, info.name);
      QVERIFY2(inserted.second || inserted.first->second == info.name, wording.c_str());
    }
  }
}

void TestData::unknownBuiltinTaskListsKnownNames() {
  const std::string message = error_message([] { sy::make_builtin_task("revrese", 1, 10, 10); });
  QVERIFY2(message.find("\"revrese\"") != std::string::npos, message.c_str());
  for (const char* name : kAllTaskNames) QVERIFY2(message.find(name) != std::string::npos, name);
}

void TestData::builtinTaskRefusesImpossibleCounts() {
  QVERIFY(!error_message([] { sy::make_builtin_task("count", 1, -1, 10); }).empty());
  // spell has 1000 inputs: 1000 distinct test inputs leave none for train.
  const std::string message = error_message([] { sy::make_builtin_task("spell", 1, 10, 1000); });
  QVERIFY2(message.find("spell") != std::string::npos, message.c_str());
  QCOMPARE(sy::make_builtin_task("spell", 1, 0, 1000).test.size(), size_t{1000});
}

void TestData::jsonlLoadsAGoodFile() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString path = dir.filePath("good.jsonl");
  write_file(path,
             "{\"instruction\": \"Translate to French.\", \"input\": \"cat\", \"output\": "
             "\"chat\", \"id\": 17}\n"
             "\n"
             "   \r\n"
             "{\"instruction\": \"Name a color.\", \"output\": \"blue\"}\r\n"
             "{\"instruction\": \"Say hi in Japanese.\", \"input\": \"\", \"output\": "
             "\"\\u3053\\u3093\\u306b\\u3061\\u306f\"}");  // no final newline
  const std::vector<sy::Example> examples = sy::read_jsonl_examples(path.toStdString());
  QCOMPARE(examples.size(), size_t{3});
  QCOMPARE(examples[0].instruction, std::string("Translate to French."));
  QCOMPARE(examples[0].input, std::string("cat"));
  QCOMPARE(examples[0].output, std::string("chat"));
  QCOMPARE(examples[1].input, std::string(""));
  QCOMPARE(examples[1].output, std::string("blue"));
  QCOMPARE(examples[2].output, std::string("\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1"
                                           "\xE3\x81\xAF"));
}

void TestData::jsonlReportsFileLineAndField() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const std::string good = "{\"instruction\": \"a\", \"output\": \"b\"}\n";
  struct Case {
    const char* file;
    std::string text;
    std::string expected;  // a part of the message
  };
  const std::vector<Case> cases = {
      {"missing.jsonl", good + "\n{\"instruction\": \"a\", \"input\": \"x\"}\n",
       "missing.jsonl:3: field \"output\" is missing; expected a string"},
      {"number.jsonl", good + "{\"instruction\": \"a\", \"input\": 5, \"output\": \"b\"}\n",
       "number.jsonl:2: field \"input\" must be a string, found number"},
      {"null.jsonl", "{\"instruction\": null, \"output\": \"b\"}\n",
       "null.jsonl:1: field \"instruction\" must be a string, found null"},
      {"broken.jsonl", good + good + "{\"instruction\": \"a\", \"output\": \n",
       "broken.jsonl:3: not valid JSON at byte"},
      {"array.jsonl", "[\"a\", \"b\"]\n", "array.jsonl:1: found a JSON array"},
      {"blank.jsonl", "\n  \n\n", "blank.jsonl holds no examples"},
  };
  for (const Case& c : cases) {
    const QString path = dir.filePath(c.file);
    write_file(path, c.text);
    const std::string message = error_message([&] { sy::read_jsonl_examples(path.toStdString()); });
    QVERIFY2(message.find(c.expected) != std::string::npos,
             ("expected \"" + c.expected + "\" in \"" + message + "\"").c_str());
    QVERIFY2(message.find(path.toStdString()) == 0, message.c_str());
  }
  const std::string absent = dir.filePath("absent.jsonl").toStdString();
  const std::string message = error_message([&] { sy::read_jsonl_examples(absent); });
  QCOMPARE(message, "cannot open " + absent + ": No such file or directory");
}

// A 1 GB line would be read whole before the first check; a line past the cap is refused as it
// is read, naming the line. Deep nesting and a task of zero examples get their own errors.
void TestData::jsonlBoundsLinesAndNesting() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const std::string good = "{\"instruction\": \"a\", \"output\": \"b\"}\n";
  const QString long_line = dir.filePath("long.jsonl");
  write_file(long_line, good + "{\"instruction\": \"a\", \"output\": \"" + std::string(5000, 'x') +
                            "\"}\n" + good);
  const std::string path = long_line.toStdString();
  QCOMPARE(sy::read_jsonl_examples(path).size(), size_t{3});
  std::string message = error_message([&] { sy::read_jsonl_examples(path, 1000); });
  QCOMPARE(message, path +
                        ":2: line is longer than 1000 bytes; expected one example per line, "
                        "each at most that long");
  // Without a final newline the last line is checked too.
  write_file(long_line, good + std::string(2000, ' '));
  message = error_message([&] { sy::read_jsonl_examples(path, 1000); });
  QVERIFY2(message.find(path + ":2: line is longer than 1000 bytes") == 0, message.c_str());

  const QString deep = dir.filePath("deep.jsonl");
  write_file(deep, good + std::string(100000, '[') + std::string(100000, ']') + "\n");
  message = error_message([&] { sy::read_jsonl_examples(deep.toStdString()); });
  QCOMPARE(message, deep.toStdString() +
                        ":2: JSON nested deeper than 64 levels; expected a shallow document.");

  const QString empty = dir.filePath("empty.jsonl");
  write_file(empty, "");
  message = error_message([&] { sy::task_from_jsonl("t", path, empty.toStdString(), 0.1, 0); });
  QVERIFY2(message.find("holds no examples") != std::string::npos, message.c_str());
}

// Every reader of outside JSON goes through engine/util/json_file.h: depth, file size and the
// length of a quoted value are bounded.
void TestData::jsonReadingIsBounded() {
  QCOMPARE(sy::json_depth("{\"a\": [1, {\"b\": \"[[[[\"}]}"), 3);
  QCOMPARE(sy::json_depth("\"\\\"[[\""), 0);  // brackets inside a string with an escaped quote
  QVERIFY(sy::parse_json(std::string(64, '[') + std::string(64, ']'), "x").is_array());
  std::string message =
      error_message([&] { sy::parse_json(std::string(65, '[') + std::string(65, ']'), "x.json"); });
  QCOMPARE(message, std::string("x.json: JSON nested deeper than 64 levels; expected a shallow "
                                "document."));
  QVERIFY(!sy::try_parse_json(std::string(100000, '[') + std::string(100000, ']')));
  QVERIFY(!sy::try_parse_json("{\"a\": "));
  QCOMPARE(sy::try_parse_json("{\"a\": 1}")->at("a").get<int>(), 1);

  // The bytes the parser last read (here a 100 KB string) are cut in the message.
  message = error_message([&] { sy::parse_json("\"" + std::string(100000, 's'), "s.json"); });
  QVERIFY2(message.find("s.json: not valid JSON at byte 100002") == 0, message.c_str());
  QVERIFY2(message.size() < 300, message.c_str());
  // A number beyond a double is an error of its own kind in nlohmann; it escaped as "internal
  // error" with the whole number quoted.
  message = error_message([&] { sy::parse_json("[1" + std::string(5000, '0') + "]", "n.json"); });
  QVERIFY2(message.find("n.json: not valid JSON (number overflow parsing '1000") == 0,
           message.c_str());
  QVERIFY2(message.size() < 300, message.c_str());
  QVERIFY(!sy::try_parse_json("[1" + std::string(5000, '0') + "]"));

  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString big = dir.filePath("big.json");
  write_file(big, "[" + std::string(2000, ' ') + "]");
  QVERIFY(sy::read_json_file(big.toStdString()).is_array());
  message = error_message([&] { sy::read_json_file(big.toStdString(), 1000); });
  QCOMPARE(message,
           big.toStdString() + " is 2002 bytes long; expected a JSON file of at most 1000 bytes.");
  message = error_message([&] { sy::read_json_file(dir.path().toStdString()); });
  QCOMPARE(message, dir.path().toStdString() + " is a folder; expected a JSON file.");

  // Quotes: at most 80 characters, never a split UTF-8 sequence, "…" where cut.
  QCOMPARE(sy::quoted_excerpt("short"), std::string("short"));
  const std::string cut = sy::quoted_excerpt(std::string(79, 'a') + "\xC3\xBC" + "tail");
  QCOMPARE(cut, std::string(79, 'a') + "\xE2\x80\xA6");
  nlohmann::json nested = nlohmann::json::array();
  for (int i = 0; i < 1000; ++i) nested.push_back(std::string(50, 'v'));
  QVERIFY(sy::json_excerpt(nested).size() <= 83);
  QCOMPARE(sy::json_excerpt(nlohmann::json{{"k", 1}}), std::string("{\"k\":1}"));
}

void TestData::jsonlSplitsTrainFileDeterministically() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString path = dir.filePath("ten.jsonl");
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text += "{\"instruction\": \"Echo.\", \"input\": \"" + std::to_string(i) +
            "\", \"output\": \"" + std::to_string(i) + "\"}\n";
  }
  write_file(path, text);
  const std::string file = path.toStdString();

  const sy::Task task = sy::task_from_jsonl("echo", file, "", 0.2, 42);
  QCOMPARE(task.name, std::string("echo"));
  QCOMPARE(task.metric, std::string("exact"));
  QCOMPARE(task.train.size(), size_t{8});
  QCOMPARE(task.test.size(), size_t{2});
  std::set<std::string> all;
  for (const sy::Example& e : task.train) all.insert(e.input);
  for (const sy::Example& e : task.test) all.insert(e.input);
  QCOMPARE(all.size(), size_t{10});
  for (size_t i = 1; i < task.train.size(); ++i) {
    QVERIFY(std::stoi(task.train[i - 1].input) < std::stoi(task.train[i].input));  // file order
  }

  const sy::Task again = sy::task_from_jsonl("echo", file, "", 0.2, 42);
  for (size_t i = 0; i < task.test.size(); ++i) QCOMPARE(again.test[i].input, task.test[i].input);
  std::set<std::string> test_sets;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    const sy::Task other = sy::task_from_jsonl("echo", file, "", 0.2, seed);
    test_sets.insert(other.test[0].input + "," + other.test[1].input);
  }
  QVERIFY(test_sets.size() > 1);

  // At least one example on each side, however small or large the fraction.
  QCOMPARE(sy::task_from_jsonl("echo", file, "", 0.01, 1).test.size(), size_t{1});
  QCOMPARE(sy::task_from_jsonl("echo", file, "", 0.99, 1).train.size(), size_t{1});
  QVERIFY(!error_message([&] { sy::task_from_jsonl("echo", file, "", 1.5, 1); }).empty());

  const QString one = dir.filePath("one.jsonl");
  write_file(one, "{\"instruction\": \"a\", \"output\": \"b\"}\n");
  const std::string message =
      error_message([&] { sy::task_from_jsonl("one", one.toStdString(), "", 0.2, 1); });
  QVERIFY2(message.find(one.toStdString()) != std::string::npos &&
               message.find("at least 2") != std::string::npos,
           message.c_str());
}

void TestData::jsonlUsesAGivenTestFile() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString train = dir.filePath("train.jsonl");
  const QString test = dir.filePath("test.jsonl");
  write_file(train, "{\"instruction\": \"a\", \"output\": \"1\"}\n");
  write_file(test,
             "{\"instruction\": \"b\", \"output\": \"2\"}\n{\"instruction\": \"c\", "
             "\"output\": \"3\"}\n");
  const sy::Task task =
      sy::task_from_jsonl("mine", train.toStdString(), test.toStdString(), 0.1, 1);
  QCOMPARE(task.train.size(), size_t{1});
  QCOMPARE(task.test.size(), size_t{2});
  QCOMPARE(task.test[1].output, std::string("3"));
}

void TestData::exactMatchNormalizesWhitespaceOnly() {
  QCOMPARE(sy::normalize_answer("  dog \t cat\n\nbird  \n"), std::string("dog cat bird"));
  QCOMPARE(sy::normalize_answer(""), std::string(""));
  QCOMPARE(sy::normalize_answer(" \n\t "), std::string(""));
  QVERIFY(sy::exact_match("dog cat\n", "dog  cat"));
  QVERIFY(sy::exact_match(" 42", "42"));
  QVERIFY(!sy::exact_match("Dog cat", "dog cat"));  // case counts: capitalize is a task
  QVERIFY(!sy::exact_match("dogcat", "dog cat"));
  QVERIFY(!sy::exact_match("dog cat.", "dog cat"));

  QCOMPARE(sy::exact_match_score({"a", "b ", "c", "d"}, {"a", "b", "x", "y"}), 0.5);
  QCOMPARE(sy::exact_match_score({}, {}), 0.0);
  const std::string message = error_message([] { sy::exact_match_score({"a"}, {"a", "b"}); });
  QVERIFY2(!message.empty(), "a size mismatch must throw sy::Error");
}

void TestData::pretrainCorpusIsDeterministicAndMixed() {
  const std::vector<std::string> corpus =
      sy::make_pretrain_corpus(1, 3000, sy::PromptTemplate::Alpaca);
  QCOMPARE(corpus.size(), size_t{3000});
  QVERIFY(corpus == sy::make_pretrain_corpus(1, 3000, sy::PromptTemplate::Alpaca));
  QVERIFY(corpus != sy::make_pretrain_corpus(2, 3000, sy::PromptTemplate::Alpaca));

  size_t instruction_documents = 0;
  size_t number_documents = 0;
  std::set<std::string> instructions;
  for (const std::string& document : corpus) {
    QVERIFY2(!document.empty() && document.size() <= 200, document.c_str());
    if (document.rfind("### Instruction:\n", 0) == 0) {
      ++instruction_documents;
      QVERIFY2(document.find("\n\n### Response:\n") != std::string::npos, document.c_str());
      instructions.insert(document.substr(17, document.find('\n', 17) - 17));
    } else if (std::isdigit(static_cast<unsigned char>(document[0])) ||
               document.find(" is written ") != std::string::npos) {
      ++number_documents;
    }
  }
  QVERIFY2(instruction_documents > 900 && instruction_documents < 1500,
           std::to_string(instruction_documents).c_str());
  QVERIFY2(number_documents > 300, std::to_string(number_documents).c_str());
  QVERIFY2(instructions.size() >= 7 * 3, std::to_string(instructions.size()).c_str());

  // The same documents in the compact layout the built-in model is asked in.
  const std::vector<std::string> compact =
      sy::make_pretrain_corpus(1, 3000, sy::PromptTemplate::Compact);
  QCOMPARE(compact.size(), corpus.size());
  size_t compact_instruction_documents = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    if (compact[i].find("\n=> ") == std::string::npos) {
      QCOMPARE(compact[i], corpus[i]);
    } else {
      ++compact_instruction_documents;
      QVERIFY2(compact[i].size() < corpus[i].size(), compact[i].c_str());
    }
  }
  QCOMPARE(compact_instruction_documents, instruction_documents);
}

void TestData::pretrainCorpusHoldsNoBuiltinTaskWording() {
  std::set<std::string> builtin_instructions;
  for (const sy::BuiltinTaskInfo& info : sy::builtin_tasks()) {
    for (const sy::Example& example : sy::make_builtin_task(info.name, 1, 400, 0).train) {
      builtin_instructions.insert(example.instruction);
    }
  }
  for (const std::string& document :
       sy::make_pretrain_corpus(4, 2000, sy::PromptTemplate::Compact)) {
    for (const std::string& instruction : builtin_instructions) {
      QVERIFY2(document.find(instruction) == std::string::npos,
               ("built-in wording \"" + instruction + "\" in: " + document).c_str());
    }
  }
}

QTEST_GUILESS_MAIN(TestData)
#include "test_data.moc"
