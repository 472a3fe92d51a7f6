// Hugging Face tokenizers against the reference: for every folder under
// tests/fixtures/tokenizers/ with an expected.jsonl (ids, ids_with_special and decoded text that
// the Rust `tokenizers` library gave), every text must give exactly the same. Also round trips of
// random UTF-8, Metaspace's fields, NFC, the lossy UTF-8 decoding, and the errors a malformed
// tokenizer.json gives.
#include <QDir>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/hf_tokenizer.h"
#include "engine/tokenizer/unicode_normalization.h"
#include "engine/tokenizer/utf8.h"
#include "engine/util/error.h"

namespace {

const QString kFixtures = QStringLiteral(SY_TOKENIZER_FIXTURES);

// The folder whose tokenizers are compared with their expected.jsonl: the project's fixtures,
// or another folder of the same layout named by SWITCHYARD_TOKENIZER_FIXTURES.
QString comparison_root() {
  return qEnvironmentVariable("SWITCHYARD_TOKENIZER_FIXTURES", kFixtures);
}

struct Case {
  std::string text;
  sy::TokenIds ids;
  sy::TokenIds ids_with_special;
  std::string decoded;
};

std::vector<Case> read_cases(const QString& folder) {
  std::ifstream in((folder + "/expected.jsonl").toStdString());
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    cases.push_back({j.at("text").get<std::string>(), j.at("ids").get<sy::TokenIds>(),
                     j.at("ids_with_special").get<sy::TokenIds>(),
                     j.at("decoded").get<std::string>()});
  }
  return cases;
}

// The folders to compare, each with its expected.jsonl; new ones are picked up automatically.
QStringList fixture_folders() {
  QStringList folders;
  const QDir root(comparison_root());
  for (const QString& name : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    if (QFile::exists(root.filePath(name + "/expected.jsonl"))) folders << root.filePath(name);
  }
  return folders;
}

// The text quoted as JSON (escapes make control characters and odd spaces visible), cut short.
std::string quoted(const std::string& text) {
  std::string q =
      nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  return q.size() > 80 ? q.substr(0, 77) + "...\"" : q;
}

std::string ids_around(const sy::TokenIds& ids, size_t at) {
  std::ostringstream out;
  out << "[";
  const size_t from = at >= 3 ? at - 3 : 0;
  if (from > 0) out << "... ";
  for (size_t i = from; i < ids.size() && i < at + 4; ++i) {
    out << (i > from ? ", " : "") << ids[i];
  }
  if (at + 4 < ids.size()) out << " ...";
  out << "] (" << ids.size() << " ids)";
  return out.str();
}

// "" when equal; else where and how they differ.
std::string compare_ids(const sy::TokenIds& got, const sy::TokenIds& want) {
  if (got == want) return "";
  size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  return "first difference at id " + std::to_string(at) + ": got " + ids_around(got, at) +
         ", expected " + ids_around(want, at);
}

std::string compare_text(const std::string& got, const std::string& want) {
  if (got == want) return "";
  size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  return "first difference at byte " + std::to_string(at) + ": got " + quoted(got) + ", expected " +
         quoted(want);
}

// Random valid UTF-8: ASCII (with spaces, tabs, newlines and punctuation), Latin, Cyrillic,
// CJK, Hangul, combining marks and 4-byte characters (emoji, math letters, CJK extension B).
std::string random_utf8(std::mt19937& rng) {
  static const std::vector<std::pair<char32_t, char32_t>> ranges = {
      {0x20, 0x7E},       {0x09, 0x0A},       {0xA0, 0x17F},      {0x300, 0x36F},
      {0x391, 0x3C9},     {0x400, 0x45F},     {0x5D0, 0x5EA},     {0x627, 0x64A},
      {0x905, 0x939},     {0x3041, 0x3096},   {0x4E00, 0x9FFF},   {0xAC00, 0xD7A3},
      {0xFF01, 0xFF5E},   {0x1F300, 0x1F64F}, {0x1D400, 0x1D7FF}, {0x20000, 0x2A6DF},
      {0x10000, 0x1007F}, {0xE000, 0xE0FF}};
  std::uniform_int_distribution<size_t> length(0, 40), pick(0, ranges.size() - 1);
  std::string out;
  for (size_t n = length(rng); n > 0; --n) {
    const auto [lo, hi] = ranges[pick(rng)];
    sy::utf8::append(out, std::uniform_int_distribution<char32_t>(lo, hi)(rng));
  }
  return out;
}

// A small valid BPE tokenizer.json that the error tests break one field at a time.
nlohmann::json tiny_tokenizer() {
  return nlohmann::json::parse(R"({
    "version": "1.0", "truncation": null, "padding": null,
    "added_tokens": [{"id": 5, "content": "<eos>", "single_word": false, "lstrip": false,
                      "rstrip": false, "normalized": false, "special": true}],
    "normalizer": {"type": "NFC"},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\p{L}+"}, "behavior": "Isolated",
         "invert": false},
        {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
         "use_regex": false}]},
    "post_processor": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true},
    "decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true},
    "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false,
              "byte_fallback": false, "vocab": {"a": 0, "b": 1, "ab": 2, "c": 3, "abc": 4},
              "merges": ["a b", "ab c"]}
  })");
}

// A tiny Metaspace tokenizer (no normalizer) with `pre_tokenizer` as both pre-tokenizer and
// decoder, the way the library's one Metaspace type serves as both.
nlohmann::json tiny_metaspace(const nlohmann::json& metaspace) {
  auto j = nlohmann::json::parse(R"({
    "version": "1.0", "truncation": null, "padding": null,
    "added_tokens": [{"id": 5, "content": "<s>", "single_word": false, "lstrip": false,
                      "rstrip": false, "normalized": false, "special": true}],
    "normalizer": null, "post_processor": null,
    "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false,
              "byte_fallback": false,
              "vocab": {"\u2581": 0, "a": 1, "b": 2, "\u2581a": 3, "a\u2581": 4},
              "merges": ["a \u2581"]}
  })");
  j["pre_tokenizer"] = metaspace;
  j["decoder"] = metaspace;
  return j;
}

}  // namespace

class TestHfTokenizer : public QObject {
  Q_OBJECT

 private:
  std::map<QString, std::shared_ptr<const sy::HfTokenizer>> loaded_;

  // A tokenizer folder (a fixture name, or a path), loaded once for all the tests.
  std::shared_ptr<const sy::HfTokenizer> tokenizer(const QString& name_or_path) {
    const QString path = name_or_path.contains('/') ? name_or_path : kFixtures + "/" + name_or_path;
    auto& slot = loaded_[path];
    if (!slot) slot = sy::load_hf_tokenizer(path.toStdString());
    return slot;
  }

  // Writes `j` as DIR/tokenizer.json and returns the message load_hf_tokenizer throws.
  QString load_error(const nlohmann::json& j, const QString& text = QString()) {
    QTemporaryDir dir;
    const QString file = dir.path() + "/tokenizer.json";
    std::ofstream(file.toStdString()) << (text.isNull() ? j.dump() : text.toStdString());
    try {
      sy::load_hf_tokenizer(dir.path().toStdString());
    } catch (const sy::Error& e) {
      const QString message = QString::fromStdString(e.what());
      // Every message names the file it is about.
      if (!message.contains(file)) return "message does not name the file: " + message;
      return message;
    }
    return QStringLiteral("(no error)");
  }

 private Q_SLOTS:
  void matches_the_reference_data() {
    QTest::addColumn<QString>("folder");
    for (const QString& folder : fixture_folders()) {
      QTest::newRow(qPrintable(QFileInfo(folder).fileName())) << folder;
    }
  }

  // Every text of the folder: ids, ids with the post-processor's specials, and decoded text.
  void matches_the_reference() {
    QFETCH(QString, folder);
    const QString name = QFileInfo(folder).fileName();
    const auto tok = tokenizer(folder);
    const std::vector<Case> cases = read_cases(folder);
    QVERIFY2(!cases.empty(), "expected.jsonl holds no cases");

    int failed = 0;
    std::string report;
    for (size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      const std::vector<std::pair<const char*, std::string>> checks = {
          {"ids", compare_ids(tok->encode(c.text), c.ids)},
          {"ids_with_special", compare_ids(tok->encode_with_special(c.text), c.ids_with_special)},
          {"decoded", compare_text(tok->decode(c.ids, false), c.decoded)},
      };
      for (const auto& [what, difference] : checks) {
        if (difference.empty()) continue;
        ++failed;
        const std::string line = "NOT OK " + name.toStdString() + " case " + std::to_string(i + 1) +
                                 " " + quoted(c.text) + ": " + what + " " + difference;
        qWarning("%s", line.c_str());
        if (report.empty()) report = line;
      }
    }
    qInfo("%s %s: %zu texts x (ids, ids_with_special, decoded)", failed ? "NOT OK" : "OK",
          qPrintable(name), cases.size());
    QVERIFY2(failed == 0, (std::to_string(failed) + " mismatches; first: " + report).c_str());
  }

  // decode(encode(x)) == x for byte-level tokenizers: any text, including 4-byte characters.
  // (Through the normalizer: Qwen's NFC changes text that is not in NFC, as the library does.)
  void byte_level_round_trips_random_utf8() {
    std::mt19937 rng(20240611);
    std::vector<std::string> texts;
    for (int i = 0; i < 400; ++i) texts.push_back(random_utf8(rng));
    texts.push_back(
        "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x94\xAC \xF0\x9F\x87\xAF\xF0\x9F\x87\xB5");
    int checked = 0;
    for (const QString& folder : fixture_folders()) {
      const auto tok = tokenizer(folder);
      if (!tok->byte_level()) continue;
      const std::string name = QFileInfo(folder).fileName().toStdString();
      ++checked;
      for (const std::string& text : texts) {
        const std::string expected = tok->normalize(text);
        const std::string back = tok->decode(tok->encode(text), false);
        QVERIFY2(back == expected,
                 (name + " " + quoted(text) + ": " + compare_text(back, expected)).c_str());
      }
    }
    QVERIFY2(checked >= 3, "expected at least gpt2, llama3 and qwen3 to be byte-level");
  }

  // Llama 2's byte fallback also gives back any text (no normalizer that changes characters).
  void byte_fallback_round_trips_random_utf8() {
    const auto tok = tokenizer("llama2");
    std::mt19937 rng(7);
    for (int i = 0; i < 300; ++i) {
      const std::string text = random_utf8(rng);
      const std::string back = tok->decode(tok->encode(text), false);
      QVERIFY2(back == text, ("llama2 " + quoted(text) + ": " + compare_text(back, text)).c_str());
    }
  }

  // The Metaspace fixtures give back any text, as the library does (make_metaspace_fixtures.py
  // asserts the same of the library): all of it when nothing is prepended ("never"), else text
  // that does not begin with a space, since that space becomes the "▁" that decoding drops from
  // the first token. And every fixture text that the library decodes to itself.
  void metaspace_round_trips_random_utf8() {
    std::mt19937 rng(11);
    std::vector<std::string> texts;
    for (int i = 0; i < 400; ++i) texts.push_back(random_utf8(rng));
    for (const char* name : {"tiny-metaspace-first", "tiny-metaspace-always",
                             "tiny-metaspace-legacy", "tiny-metaspace-never"}) {
      const auto tok = tokenizer(name);
      const bool never = std::string(name) == "tiny-metaspace-never";
      int checked = 0;
      for (const std::string& text : texts) {
        if (!never && text.rfind(' ', 0) == 0) continue;
        const std::string back = tok->decode(tok->encode(text), false);
        QVERIFY2(
            back == text,
            (std::string(name) + " " + quoted(text) + ": " + compare_text(back, text)).c_str());
        ++checked;
      }
      QVERIFY2(checked > 300, name);
    }
    int fixtures = 0;
    for (const QString& folder : fixture_folders()) {
      if (!QFileInfo(folder).fileName().startsWith("tiny-metaspace")) continue;
      ++fixtures;
      const auto tok = tokenizer(folder);
      for (const Case& c : read_cases(folder)) {
        if (c.decoded != c.text) continue;
        const std::string back = tok->decode(tok->encode(c.text), false);
        QVERIFY2(back == c.text, (QFileInfo(folder).fileName().toStdString() + " " +
                                  quoted(c.text) + ": " + compare_text(back, c.text))
                                     .c_str());
      }
    }
    QCOMPARE(fixtures, 6);
  }

  // Metaspace's fields as the library reads them, legacy add_prefix_space and nulls included.
  // Expected ids and text are what tokenizers 0.23.3 gives for the same files.
  void metaspace_fields_are_read_as_the_library_reads_them_data() {
    QTest::addColumn<QString>("metaspace");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<qint64>>("ids");
    QTest::addColumn<QString>("decoded");
    const QString plain = R"({"type": "Metaspace", "replacement": "\u2581"})";
    QTest::newRow("defaults: always, split")
        << plain << "a b" << QList<qint64>{0, 1, 0, 2} << "a b";
    QTest::newRow("always after a special token")
        << plain << "<s>a b" << QList<qint64>{5, 0, 1, 0, 2} << "<s> a b";
    const QString never =
        R"({"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": false,
            "prepend_scheme": "never"})";
    QTest::newRow("never") << never << "a b" << QList<qint64>{1, 0, 2} << "a b";
    QTest::newRow("add_prefix_space true does not override never")
        << R"({"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": true,
              "prepend_scheme": "never"})"
        << "<s>a b" << QList<qint64>{5, 1, 0, 2} << "<s>a b";
    const QString unsplit =
        R"({"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
            "split": false})";
    QTest::newRow("split false") << unsplit << "a b" << QList<qint64>{0, 4, 2} << "a b";
    QTest::newRow("null split and add_prefix_space are the defaults")
        << R"({"type": "Metaspace", "replacement": "\u2581", "split": null,
              "add_prefix_space": null})"
        << "<s>a b" << QList<qint64>{5, 0, 1, 0, 2} << "<s> a b";
    const QString first =
        R"({"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first",
            "split": false})";
    QTest::newRow("first at the start") << first << "a b" << QList<qint64>{0, 4, 2} << "a b";
    QTest::newRow("first after a special token")
        << first << "<s>a b" << QList<qint64>{5, 4, 2} << "<s>a b";
  }

  void metaspace_fields_are_read_as_the_library_reads_them() {
    QFETCH(QString, metaspace);
    QFETCH(QString, text);
    QFETCH(QList<qint64>, ids);
    QFETCH(QString, decoded);
    QTemporaryDir dir;
    const std::string file = (dir.path() + "/tokenizer.json").toStdString();
    std::ofstream(file) << tiny_metaspace(nlohmann::json::parse(metaspace.toStdString())).dump();
    const auto tok = sy::load_hf_tokenizer(file);
    const sy::TokenIds want(ids.begin(), ids.end());
    QCOMPARE(tok->encode(text.toStdString()), want);
    QCOMPARE(QString::fromStdString(tok->decode(want, false)), decoded);
  }

  void special_ids_come_from_tokenizer_config() {
    const auto llama2 = tokenizer("llama2");
    QCOMPARE(llama2->bos_id(), 1);
    QCOMPARE(llama2->eos_id(), 2);
    QCOMPARE(llama2->pad_id(), -1);  // "pad_token": null
    const auto qwen3 = tokenizer("qwen3");
    QCOMPARE(qwen3->bos_id(), -1);
    QCOMPARE(qwen3->eos_id(), qwen3->token_to_id("<|im_end|>"));
    QCOMPARE(qwen3->pad_id(), qwen3->token_to_id("<|endoftext|>"));
    QCOMPARE(qwen3->vocab_size(), 151669);
    const auto gpt2 = tokenizer("gpt2");  // no tokenizer_config.json: the usual names
    QCOMPARE(gpt2->eos_id(), 50256);
    QCOMPARE(gpt2->vocab_size(), 50257);
    QCOMPARE(QString::fromStdString(gpt2->id_to_token(50256)), QStringLiteral("<|endoftext|>"));
    // Special tokens are dropped from decoded text on request.
    QCOMPARE(QString::fromStdString(gpt2->decode(gpt2->encode("a<|endoftext|>b"), true)),
             QStringLiteral("ab"));
  }

  // The tiny Hugging Face model folders (tests/fixtures/hf/, made by transformers): their
  // tokenizer loads, names the BOS/EOS/pad ids transformers recorded, and their prompts decode
  // to text that encodes (specials included) to the same ids again.
  void hf_model_folders_load_with_their_special_ids() {
    const QDir hf(kFixtures + "/../hf");
    int checked = 0;
    for (const QString& name : hf.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
      const QString folder = hf.filePath(name);
      if (!QFile::exists(folder + "/tokenizer.json") || !QFile::exists(folder + "/expected.json"))
        continue;
      const auto tok = tokenizer(folder);
      std::ifstream in((folder + "/expected.json").toStdString());
      const auto expected = nlohmann::json::parse(in);
      const auto id_or_none = [&](const char* key) {
        return expected[key].is_null() ? int64_t(-1) : expected[key].get<int64_t>();
      };
      QCOMPARE(tok->bos_id(), id_or_none("bos_token_id"));
      QCOMPARE(tok->eos_id(), id_or_none("eos_token_id"));
      QCOMPARE(tok->pad_id(), id_or_none("pad_token_id"));
      for (const auto& prompt : expected["greedy"]["prompts"]) {
        const auto ids = prompt.get<sy::TokenIds>();
        QCOMPARE(tok->encode_with_special(tok->decode(ids, true)), ids);
      }
      ++checked;
    }
    qInfo("%d Hugging Face model folders", checked);
  }

  void nfc_composes_and_orders() {
    QCOMPARE(QString::fromStdString(sy::to_nfc("e\xCC\x81")), QString::fromUtf8("\xC3\xA9"));
    // Hangul jamo L V T compose arithmetically.
    QCOMPARE(QString::fromStdString(sy::to_nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8")),
             QString::fromUtf8("\xEA\xB0\x81"));
    // Marks are put in canonical order (dot below, 220, before circumflex, 230), then composed.
    QCOMPARE(QString::fromStdString(sy::to_nfc("a\xCC\x82\xCC\xA3")),
             QString::fromUtf8("\xE1\xBA\xAD"));
    // A composition exclusion stays decomposed; a singleton maps to its target.
    QCOMPARE(QString::fromStdString(sy::to_nfc("\xE0\xA5\x98")),
             QString::fromUtf8("\xE0\xA4\x95\xE0\xA4\xBC"));
    QCOMPARE(QString::fromStdString(sy::to_nfc("\xE2\x84\xAB")), QString::fromUtf8("\xC3\x85"));
    QCOMPARE(QString::fromStdString(sy::to_nfd("\xC3\x85")), QString::fromUtf8("A\xCC\x8A"));
    // Qt's own NFC agrees on random text.
    std::mt19937 rng(3);
    for (int i = 0; i < 300; ++i) {
      const std::string text = random_utf8(rng);
      const QString qt = QString::fromStdString(text).normalized(QString::NormalizationForm_C);
      QCOMPARE(QString::fromStdString(sy::to_nfc(text)), qt);
    }
  }

  void invalid_utf8_becomes_replacement_characters_as_in_rust() {
    // One U+FFFD per maximal subpart: a truncated 3-byte sequence is one, a stray byte is one.
    QCOMPARE(sy::utf8::from_bytes_lossy("a\xE2\x82z"), std::string("a\xEF\xBF\xBDz"));
    QCOMPARE(sy::utf8::from_bytes_lossy("\x80\x80"), std::string("\xEF\xBF\xBD\xEF\xBF\xBD"));
    QCOMPARE(sy::utf8::from_bytes_lossy("\xED\xA0\x80"),  // a surrogate: three subparts
             std::string("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
    QCOMPARE(sy::utf8::from_bytes_lossy("\xF0\x9F\x98"), std::string("\xEF\xBF\xBD"));
    // Broken input is encoded as its U+FFFD replacement, never read past its end.
    for (const QString& name :
         {QStringLiteral("gpt2"), QStringLiteral("llama2"), QStringLiteral("qwen3")}) {
      const auto tok = tokenizer(name);
      QCOMPARE(tok->encode("ok\xF0\x9F\x98 \xFF!"),
               tok->encode(sy::utf8::from_bytes_lossy("ok\xF0\x9F\x98 \xFF!")));
    }
    // A byte-level tokenizer decoding half a character gives U+FFFD as the library does.
    const auto gpt2 = tokenizer("gpt2");
    const sy::TokenIds ids = gpt2->encode("\xF0\x9F\x98\x80");
    QVERIFY(ids.size() > 1);
    const std::string half = gpt2->decode(sy::TokenIds(ids.begin(), ids.end() - 1), false);
    QCOMPARE(half, std::string("\xEF\xBF\xBD"));
  }

  void the_tiny_error_base_is_valid() {
    QTemporaryDir dir;
    std::ofstream((dir.path() + "/tokenizer.json").toStdString()) << tiny_tokenizer().dump();
    const auto tok = sy::load_hf_tokenizer((dir.path() + "/tokenizer.json").toStdString());
    QCOMPARE(tok->encode("abc"), (sy::TokenIds{4}));
    QCOMPARE(tok->encode("ab<eos>ca"), (sy::TokenIds{2, 5, 3, 0}));
    QCOMPARE(tok->decode({4, 5, 0}, false), std::string("abc<eos>a"));
  }

  void malformed_files_give_one_clear_error_data() {
    QTest::addColumn<QString>("message");
    QTest::addColumn<QStringList>("expected_parts");
    auto j = tiny_tokenizer();
    j.erase("model");
    QTest::newRow("missing model")
        << load_error(j) << QStringList{"field \"model\" is missing", "BPE"};
    j = tiny_tokenizer();
    j["model"]["type"] = "WordPiece";
    QTest::newRow("unknown model type")
        << load_error(j) << QStringList{"field \"model.type\" is \"WordPiece\"", "expected BPE"};
    j = tiny_tokenizer();
    j["pre_tokenizer"]["pretokenizers"][1]["type"] = "Whitespace";
    QTest::newRow("unknown pre-tokenizer")
        << load_error(j)
        << QStringList{"field \"pre_tokenizer.pretokenizers[1].type\" is \"Whitespace\"",
                       "expected one of ByteLevel, Split, Sequence"};
    j = tiny_tokenizer();
    j["normalizer"] = {{"type", "Lowercase"}};
    QTest::newRow("unknown normalizer")
        << load_error(j)
        << QStringList{"field \"normalizer.type\" is \"Lowercase\"", "expected one of NFC"};
    j = tiny_tokenizer();
    j["decoder"] = {{"type", "WordPiece"}};
    QTest::newRow("unknown decoder")
        << load_error(j) << QStringList{"field \"decoder.type\"", "expected one of ByteLevel"};
    j = tiny_tokenizer();
    j["model"]["merges"][1] = "ab c d";
    QTest::newRow("bad merges entry")
        << load_error(j)
        << QStringList{"field \"model.merges[1]\" is \"ab c d\"", "expected a merge"};
    j = tiny_tokenizer();
    j["model"]["merges"][0] = nlohmann::json::array({"a", "x"});
    QTest::newRow("merge of an unknown token")
        << load_error(j)
        << QStringList{"field \"model.merges[0]\" is [\"a\",\"x\"]", "\"x\" is not in model.vocab"};
    j = tiny_tokenizer();
    j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(\\p{L}+";
    QTest::newRow("invalid regex")
        << load_error(j)
        << QStringList{"field \"pre_tokenizer.pretokenizers[0].pattern.Regex\" is \"(\\\\p{L}+\"",
                       "expected a valid Oniguruma regular expression"};
    j = tiny_tokenizer();
    j["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Glued";
    QTest::newRow("unknown split behavior")
        << load_error(j)
        << QStringList{"field \"pre_tokenizer.pretokenizers[0].behavior\" is \"Glued\"",
                       "expected one of Removed, Isolated"};
    j = tiny_tokenizer();
    j["model"]["vocab"] = nlohmann::json::array();
    QTest::newRow("vocab not an object")
        << load_error(j) << QStringList{"field \"model.vocab\" is []", "expected an object"};
    // Metaspace: what the library refuses, and "first" where the word that begins the original
    // text is not known.
    const auto metaspace = [](const nlohmann::json& fields) {
      nlohmann::json m = {{"type", "Metaspace"}, {"replacement", "\u2581"}};
      if (fields.is_object()) m.update(fields);  // `{}` arrives as null
      return tiny_metaspace(m);
    };
    QTest::newRow("metaspace: unknown prepend_scheme")
        << load_error(metaspace({{"prepend_scheme", "First"}}))
        << QStringList{"field \"pre_tokenizer.prepend_scheme\" is \"First\"",
                       "expected one of \"always\", \"first\", \"never\""};
    QTest::newRow("metaspace: null prepend_scheme")
        << load_error(metaspace({{"prepend_scheme", nullptr}}))
        << QStringList{"field \"pre_tokenizer.prepend_scheme\" is null", "expected one of"};
    j = metaspace({});
    j["pre_tokenizer"].erase("replacement");
    QTest::newRow("metaspace: no replacement")
        << load_error(j)
        << QStringList{"field \"pre_tokenizer.replacement\" is missing",
                       "expected a single character"};
    QTest::newRow("metaspace: replacement of two characters")
        << load_error(metaspace({{"replacement", "ab"}}))
        << QStringList{"field \"pre_tokenizer.replacement\" is \"ab\"",
                       "expected a single character"};
    QTest::newRow("metaspace: add_prefix_space false without never")
        << load_error(metaspace({{"add_prefix_space", false}}))
        << QStringList{"field \"pre_tokenizer.add_prefix_space\" is false",
                       "prepend_scheme \"never\""};
    QTest::newRow("metaspace: split not a boolean")
        << load_error(metaspace({{"split", 1}}))
        << QStringList{"field \"pre_tokenizer.split\" is 1", "expected true or false"};
    j = metaspace({{"prepend_scheme", "first"}});
    j["normalizer"] = {{"type", "NFC"}};
    QTest::newRow("metaspace: first after a normalizer")
        << load_error(j)
        << QStringList{"field \"pre_tokenizer.prepend_scheme\" is \"first\"",
                       "expected \"always\" or \"never\"", "no normalizer"};
    j = metaspace({});
    j["pre_tokenizer"] = {
        {"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", false}},
          {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "first"}}}}};
    QTest::newRow("metaspace: first after a step that adds characters")
        << load_error(j)
        << QStringList{"field \"pre_tokenizer.pretokenizers[1].prepend_scheme\" is \"first\"",
                       "ByteLevel with add_prefix_space"};
    j = metaspace({});
    j["decoder"]["prepend_scheme"] = "sometimes";
    QTest::newRow("metaspace decoder: unknown prepend_scheme")
        << load_error(j) << QStringList{"field \"decoder.prepend_scheme\" is \"sometimes\""};
    QTest::newRow("not JSON") << load_error({}, "{\"model\": ") << QStringList{"not valid JSON"};
    // Ids size tables: one id of 2^31 - 1 asked for 2^31 vocabulary slots (tens of GB).
    j = tiny_tokenizer();
    j["model"]["vocab"]["abc"] = 2147483647;
    QTest::newRow("vocabulary id past the bound")
        << load_error(j)
        << QStringList{"field \"model.vocab.abc\" is 2147483647",
                       "expected a token id from 0 to 16777215"};
    j = tiny_tokenizer();
    j["added_tokens"][0]["id"] = -3;
    QTest::newRow("negative added-token id")
        << load_error(j) << QStringList{"added_tokens[0].id\" is -3", "expected a token id"};
    j = tiny_tokenizer();
    j["added_tokens"][0]["id"] = 18446744073709551615ull;
    QTest::newRow("added-token id past int64")
        << load_error(j) << QStringList{"added_tokens[0].id\" is 18446744073709551615"};
    j = tiny_tokenizer();
    j["model"]["merges"].push_back("x" + std::string(5000, 'q') + " y");
    QTest::newRow("merge of an unknown token, quoted short")
        << load_error(j) << QStringList{"is not in model.vocab", "qqqq\u2026"};
    QTest::newRow("nested deeper than 64 levels")
        << load_error({}, QString(100000, '[') + QString(100000, ']'))
        << QStringList{"nested deeper than 64 levels"};
    QTest::newRow("top level not an object") << load_error(nlohmann::json::array({1, 2}))
                                             << QStringList{"is [1,2]", "expected an object"};
  }

  void malformed_files_give_one_clear_error() {
    QFETCH(QString, message);
    QFETCH(QStringList, expected_parts);
    qInfo("%s", qPrintable(message));
    for (const QString& part : expected_parts) {
      QVERIFY2(message.contains(part),
               qPrintable("message \"" + message + "\" lacks \"" + part + "\""));
    }
    QVERIFY2(!message.contains('\n'), qPrintable("not one line: " + message));
  }

  void missing_paths_are_clear_errors() {
    QTemporaryDir dir;
    try {
      sy::load_hf_tokenizer(dir.path().toStdString());
      QFAIL("an empty folder loaded");
    } catch (const sy::Error& e) {
      QVERIFY2(QString(e.what()).contains("no tokenizer.json in this folder"), e.what());
    }
    try {
      sy::load_hf_tokenizer((dir.path() + "/nope.json").toStdString());
      QFAIL("a missing file loaded");
    } catch (const sy::Error& e) {
      QVERIFY2(QString(e.what()).contains("does not exist"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestHfTokenizer)
#include "test_hf_tokenizer.moc"
