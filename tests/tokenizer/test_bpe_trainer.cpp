// The byte-level BPE trainer (engine/tokenizer/bpe_trainer.*): what it learns from a corpus, that
// its tokenizer.json reads back through our loader with the layout it promises, and that any
// text round-trips. Whether the Rust library reads the same ids is the interop test's job.
#include <QtTest/QtTest>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/bpe_trainer.h"
#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/hf_tokenizer.h"
#include "engine/util/error.h"

namespace {

const std::vector<std::string> kSpecials = {"<pad>", "<bos>", "<eos>"};

std::vector<std::string> small_corpus() {
  const std::vector<std::string> words = {"thunder", "bone",  "along",  "dream", "city", "green",
                                          "world",   "award", "answer", "floor", "bank", "bottle"};
  std::mt19937 rng(7);
  std::vector<std::string> docs;
  for (int d = 0; d < 400; ++d) {
    std::string doc = d % 3 ? "Reverse the words.\n" : "Count the words: ";
    const int n = 3 + int(rng() % 5);
    for (int i = 0; i < n; ++i) {
      if (i) doc += ' ';
      std::string word = words[rng() % words.size()];
      if (d % 4 == 0) word[0] = char(std::toupper(static_cast<unsigned char>(word[0])));
      doc += word;
    }
    doc += "\n=> " + std::to_string(rng() % 1000) + ", done.";
    docs.push_back(doc);
  }
  return docs;
}

std::shared_ptr<sy::HfTokenizer> reader(const sy::BpeVocabulary& vocab) {
  auto tokenizer = std::make_shared<sy::HfTokenizer>(sy::bpe_tokenizer_json(vocab), "test");
  tokenizer->set_special_ids(tokenizer->token_to_id("<bos>"), tokenizer->token_to_id("<eos>"),
                             tokenizer->token_to_id("<pad>"));
  return tokenizer;
}

std::vector<std::string> pieces(const sy::HfTokenizer& tokenizer, const std::string& text) {
  std::vector<std::string> out;
  for (int64_t id : tokenizer.encode(text)) out.push_back(tokenizer.decode({id}));
  return out;
}

bool is_letter(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

class TestBpeTrainer : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void layout_is_bytes_then_specials_then_merges() {
    const auto vocab = sy::train_byte_level_bpe(small_corpus(), 290, kSpecials);
    QCOMPARE(vocab.tokens.size(), size_t{290});
    QCOMPARE(vocab.merges.size(), size_t{290 - 259});
    const auto tokenizer = reader(vocab);
    QCOMPARE(tokenizer->vocab_size(), int64_t{290});
    QCOMPARE(tokenizer->pad_id(), int64_t{256});
    QCOMPARE(tokenizer->bos_id(), int64_t{257});
    QCOMPARE(tokenizer->eos_id(), int64_t{258});
    // Each byte is its own id, as in the byte-level model.
    for (int b = 0; b < 256; ++b) {
      QCOMPARE(tokenizer->token_to_id(sy::byte_level::encode(std::string(1, char(b)))), int64_t{b});
    }
    const auto ids = tokenizer->encode("<bos>city<eos>");
    QCOMPARE(ids.front(), int64_t{257});
    QCOMPARE(ids.back(), int64_t{258});
  }

  void frequent_words_become_few_tokens() {
    const auto corpus = small_corpus();
    const auto vocab = sy::train_byte_level_bpe(corpus, 400, kSpecials);
    QVERIFY(vocab.tokens.size() > 290);  // the corpus runs out of repeated pairs before 400
    const auto tokenizer = reader(vocab);
    size_t bytes = 0, tokens = 0;
    for (const auto& doc : corpus) {
      bytes += doc.size();
      tokens += tokenizer->encode(doc).size();
    }
    QVERIFY2(double(bytes) / double(tokens) > 1.8,
             qPrintable(QString("%1 bytes in %2 tokens").arg(bytes).arg(tokens)));
    // A word is its first letter (with its space) and the rest, merged whole.
    QCOMPARE(pieces(*tokenizer, "thunder bottle"),
             (std::vector<std::string>{"t", "hunder", " ", "b", "ottle"}));
  }

  // The promise the built-in tasks rely on: a word reads the same wherever it stands, and
  // capitalising it changes its first token only.
  void a_words_first_letter_is_its_own_token() {
    const auto vocab = sy::train_byte_level_bpe(small_corpus(), 400, kSpecials);
    const auto tokenizer = reader(vocab);
    for (const std::string word : {"thunder", "bone", "answer", "city"}) {
      const auto alone = pieces(*tokenizer, word);
      std::string capital = word;
      capital[0] = char(std::toupper(static_cast<unsigned char>(capital[0])));
      const auto upper = pieces(*tokenizer, capital);
      QCOMPARE(alone.front(), word.substr(0, 1));
      QCOMPARE(upper.front(), capital.substr(0, 1));
      QCOMPARE(std::vector<std::string>(upper.begin() + 1, upper.end()),
               std::vector<std::string>(alone.begin() + 1, alone.end()));
      for (const std::string& context :
           {"x " + word + " y", "Count:\n" + word + ".", "=> " + word}) {
        const auto in_context = pieces(*tokenizer, context);
        QVERIFY2(std::search(in_context.begin(), in_context.end(), alone.begin(), alone.end()) !=
                     in_context.end(),
                 context.c_str());
      }
    }
    // Every learned token is letters only (a word's rest) or punctuation with at most one space
    // after it: none spans a space and a word, or two words.
    for (size_t id = 259; id < vocab.tokens.size(); ++id) {
      std::string text = tokenizer->decode({int64_t(id)});
      if (std::all_of(text.begin(), text.end(), is_letter)) continue;
      if (text.back() == ' ') text.pop_back();
      QVERIFY2(std::none_of(text.begin(), text.end(),
                            [](char c) { return is_letter(c) || c == ' ' || c == '\n'; }),
               tokenizer->decode({int64_t(id)}).c_str());
    }
  }

  void any_text_round_trips() {
    const auto tokenizer = reader(sy::train_byte_level_bpe(small_corpus(), 400, kSpecials));
    std::mt19937 rng(3);
    const std::vector<std::string> parts = {"a", "Z",       " ",  "\n", "42",   "é", "—",   "😀",
                                            "<", "thunder", "\t", "..", "\x7f", "ß", "bone"};
    for (int trial = 0; trial < 300; ++trial) {
      std::string text;
      const int n = int(rng() % 12);
      for (int i = 0; i < n; ++i) text += parts[rng() % parts.size()];
      QCOMPARE(tokenizer->decode(tokenizer->encode(text)), text);
    }
  }

  void training_is_deterministic() {
    const auto a = sy::bpe_tokenizer_json(sy::train_byte_level_bpe(small_corpus(), 380, kSpecials));
    const auto b = sy::bpe_tokenizer_json(sy::train_byte_level_bpe(small_corpus(), 380, kSpecials));
    QCOMPARE(a.dump(), b.dump());
  }

  void stops_when_no_pair_repeats() {
    const auto vocab = sy::train_byte_level_bpe({"abab abab"}, 1000, kSpecials);
    QVERIFY(vocab.tokens.size() < 270);
    const auto tokenizer = reader(vocab);
    QCOMPARE(tokenizer->decode(tokenizer->encode("abab abab")), std::string("abab abab"));
  }

  void too_small_a_vocabulary_is_an_error() {
    try {
      sy::train_byte_level_bpe(small_corpus(), 200, kSpecials);
      QFAIL("no error");
    } catch (const sy::Error& e) {
      QVERIFY2(QString(e.what()).contains("at least 259"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestBpeTrainer)
#include "test_bpe_trainer.moc"
