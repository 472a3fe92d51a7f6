// The metrics a user compares runs by: ROUGE, BLEU, SARI and the Porter stemmer must reproduce the
// reference libraries (golden values in tests/fixtures/metrics, written by rouge-score, sacrebleu
// and evaluate themselves, plus the numbers their documentation states), headline constraints
// must judge words, the continual-learning metrics must follow docs/metrics.md on a matrix worked
// by hand, and `switchyard-engine score` must give the same numbers as a real process.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>
#include "tests/common/error_message.h"

#include <nlohmann/json.hpp>

#include "engine/cl/score_matrix.h"
#include "engine/metrics/bleu.h"
#include "engine/metrics/constraint.h"
#include "engine/metrics/porter_stemmer.h"
#include "engine/metrics/rouge.h"
#include "engine/metrics/sari.h"
#include "engine/util/error.h"

#ifndef SY_METRICS_FIXTURES
#define SY_METRICS_FIXTURES SY_FIXTURES_DIR "/metrics"
#endif

namespace {

using nlohmann::json;

constexpr double kTolerance = 1e-6;  // every golden value of the reference libraries

using sy::test::error_message;

// Mismatches are collected so that one run lists every case that differs, each by name.
class Mismatches {
 public:
  void number(const std::string& name, const std::string& quantity, double got, double want,
              double tolerance = kTolerance) {
    ++checked_;
    if (!(std::fabs(got - want) <= tolerance)) {
      std::ostringstream line;
      line.precision(17);
      line << "NOT OK " << name << ": " << quantity << " = " << got << ", expected " << want
           << " (tolerance " << tolerance << ")";
      lines_.push_back(line.str());
    }
  }
  void text(const std::string& name, const std::string& got, const std::string& want) {
    ++checked_;
    if (got != want) {
      lines_.push_back("NOT OK " + name + ": got \"" + got + "\", expected \"" + want + "\"");
    }
  }
  bool ok() const { return lines_.empty(); }
  QByteArray report() const {
    std::string all =
        std::to_string(lines_.size()) + " of " + std::to_string(checked_) + " values differ:";
    for (const std::string& line : lines_) all += "\n  " + line;
    return QByteArray::fromStdString(all);
  }

 private:
  std::vector<std::string> lines_;
  size_t checked_ = 0;
};

void check_bleu(Mismatches& m, const std::string& name, const sy::BleuScore& got, const json& want,
                double score_tol, double precision_tol, double bp_tol) {
  m.number(name, "score", got.score, want["score"], score_tol);
  for (int n = 0; n < sy::kBleuMaxOrder; ++n) {
    m.number(name, "precision " + std::to_string(n + 1), got.precisions[n], want["precisions"][n],
             precision_tol);
    if (want.contains("counts")) {
      m.number(name, "count " + std::to_string(n + 1), got.counts[n], want["counts"][n], 0);
      m.number(name, "total " + std::to_string(n + 1), got.totals[n], want["totals"][n], 0);
    }
  }
  m.number(name, "brevity penalty", got.brevity_penalty, want["brevity_penalty"], bp_tol);
  m.number(name, "sys_len", got.sys_len, want["sys_len"], 0);
  m.number(name, "ref_len", got.ref_len, want["ref_len"], 0);
}

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The engine binary: SY_ENGINE_BIN from the build, or the environment variable of that name.
ProcessResult run_engine(const QStringList& arguments) {
  QProcess process;
  process.start(qEnvironmentVariable("SY_ENGINE_BIN", QStringLiteral(SY_ENGINE_BIN)), arguments);
  ProcessResult result;
  if (!process.waitForFinished(60000)) return result;
  result.exit_code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  result.out = process.readAllStandardOutput().toStdString();
  result.err = process.readAllStandardError().toStdString();
  return result;
}

void write_file(const QString& path, const std::string& text) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  out << text;
}

// One line per item: plain text, or a JSON string when the text has a newline or starts with
// '"' or '['; several references as a JSON array.
std::string item_line(const std::vector<std::string>& texts, bool several) {
  if (several && texts.size() > 1) return json(texts).dump() + "\n";
  const std::string& text = texts.front();
  const bool plain = text.find('\n') == std::string::npos && text.find('\r') == std::string::npos &&
                     (text.empty() || (text[0] != '"' && text[0] != '['));
  return (plain ? text : json(text).dump()) + "\n";
}

}  // namespace

class TestEval : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    std::ifstream in(SY_METRICS_FIXTURES "/expected.json", std::ios::binary);
    QVERIFY2(in.good(), "cannot open " SY_METRICS_FIXTURES "/expected.json");
    expected_ = json::parse(in);
  }

  // NLTK's PorterStemmer (mode NLTK_EXTENSIONS) on every rule, extension and edge case.
  void porter_matches_nltk() {
    Mismatches m;
    for (const json& pair : expected_["porter"]) {
      const std::string word = pair[0];
      m.text("stem(" + word + ")", sy::porter_stem(word), pair[1]);
    }
    QVERIFY2(m.ok(), m.report().constData());
  }

  void rouge_tokenize_matches_rouge_score() {
    Mismatches m;
    for (const json& c : expected_["rouge_tokenize"]) {
      const std::string text = c["text"];
      const bool stem = c["stem"];
      std::string got;
      for (const std::string& t : sy::rouge_tokenize(text, stem)) got += t + "|";
      std::string want;
      for (const std::string t : c["tokens"]) want += t + "|";
      m.text(std::string("tokenize") + (stem ? "+stem" : "") + " \"" + text + "\"", got, want);
    }
    QVERIFY2(m.ok(), m.report().constData());
  }

  void rouge_matches_rouge_score() {
    Mismatches m;
    for (const json& c : expected_["rouge"]) {
      const std::string name = c["name"];
      const auto refs = c["references"].get<std::vector<std::string>>();
      const sy::RougeScore s = sy::rouge_score_multi(sy::rouge_type_from_name(c["type"]), refs,
                                                     c["prediction"].get<std::string>(), c["stem"]);
      m.number(name, "precision", s.precision, c["precision"]);
      m.number(name, "recall", s.recall, c["recall"]);
      m.number(name, "fmeasure", s.fmeasure, c["fmeasure"]);
    }
    QVERIFY2(m.ok(), m.report().constData());
  }

  // The numbers rouge-score's own tests state, at the precision they state them.
  void rouge_published_examples() {
    Mismatches m;
    for (const json& c : expected_["published"]["rouge"]) {
      const std::string name = c["name"];
      const auto refs = c["references"].get<std::vector<std::string>>();
      const sy::RougeScore s =
          sy::rouge_score_multi(sy::rouge_type_from_name(c["type"]), refs,
                                c["prediction"].get<std::string>(), c.value("stem", false));
      const double tol = c["tolerance"];
      if (c.contains("precision")) m.number(name, "precision", s.precision, c["precision"], tol);
      if (c.contains("recall")) m.number(name, "recall", s.recall, c["recall"], tol);
      m.number(name, "fmeasure", s.fmeasure, c["fmeasure"], tol);
    }
    QVERIFY2(m.ok(), m.report().constData());
  }

  void rouge_mean_averages_items() {
    const sy::RougeType type = sy::rouge_type_from_name("rouge1");
    const sy::RougeScore mean = sy::rouge_mean(type, {"testing", "testing one"},
                                               {{"testing one two"}, {"testing one two"}}, false);
    // Items: (P 1, R 1/3, F 1/2) and (P 1, R 2/3, F 4/5).
    QCOMPARE(mean.precision, 1.0);
    QVERIFY(std::fabs(mean.recall - 0.5) < 1e-12);
    QVERIFY(std::fabs(mean.fmeasure - 0.65) < 1e-12);
    QVERIFY(error_message([] { sy::rouge_type_from_name("rougeX"); }).find("rougeLsum") !=
            std::string::npos);
    QVERIFY(!error_message([&] { sy::rouge_score_multi(type, {}, "x", false); }).empty());
  }

  void tokenize_13a_matches_sacrebleu() {
    Mismatches m;
    for (const json& pair : expected_["tokenize_13a"]) {
      const std::string line = pair[0];
      m.text("13a \"" + line + "\"", sy::tokenize_13a(line), pair[1]);
    }
    QVERIFY2(m.ok(), m.report().constData());
  }

  void python_lower_matches_python() {
    Mismatches m;
    for (const json& pair : expected_["python_lower"]) {
      const std::string text = pair[0];
      m.text("lower \"" + text + "\"", sy::python_lower(text), pair[1]);
    }
    QVERIFY2(m.ok(), m.report().constData());
  }

  void corpus_bleu_matches_sacrebleu() {
    Mismatches m;
    for (const json& c : expected_["bleu_corpus"]) {
      const auto hyps = c["hypotheses"].get<std::vector<std::string>>();
      const auto refs = c["references"].get<std::vector<std::vector<std::string>>>();
      check_bleu(m, "corpus " + c["name"].get<std::string>(), sy::corpus_bleu(hyps, refs), c,
                 kTolerance, kTolerance, kTolerance);
    }
    QVERIFY2(m.ok(), m.report().constData());
  }

  void sentence_bleu_matches_sacrebleu() {
    Mismatches m;
    for (const json& c : expected_["bleu_sentence"]) {
      const auto refs = c["references"].get<std::vector<std::string>>();
      check_bleu(m, "sentence " + c["name"].get<std::string>(),
                 sy::sentence_bleu(c["hypothesis"].get<std::string>(), refs), c, kTolerance,
                 kTolerance, kTolerance);
    }
    QVERIFY2(m.ok(), m.report().constData());
  }

  // sacrebleu's README prints BLEU with 2 decimals, precisions with 1 and BP with 3.
  void bleu_published_examples() {
    Mismatches m;
    for (const json& c : expected_["published"]["bleu_corpus"]) {
      const auto hyps = c["hypotheses"].get<std::vector<std::string>>();
      const auto refs = c["references"].get<std::vector<std::vector<std::string>>>();
      check_bleu(m, c["name"], sy::corpus_bleu(hyps, refs), c, 0.005, 0.05, 0.0005);
    }
    QVERIFY2(m.ok(), m.report().constData());
    QVERIFY(!error_message([] { sy::corpus_bleu({"a"}, {{}}); }).empty());
    QVERIFY(!error_message([] { sy::corpus_bleu({"a", "b"}, {{"a"}}); }).empty());
  }

  void sari_matches_evaluate() {
    Mismatches m;
    const auto check = [&](const json& c, double tolerance) {
      const auto sources = c["sources"].get<std::vector<std::string>>();
      const auto predictions = c["predictions"].get<std::vector<std::string>>();
      const auto references = c["references"].get<std::vector<std::vector<std::string>>>();
      m.number("SARI " + c["name"].get<std::string>(), "sari",
               sy::sari_score(sources, predictions, references), c["sari"], tolerance);
    };
    for (const json& c : expected_["sari"]) check(c, kTolerance);
    // evaluate's metric card states these to every digit.
    for (const json& c : expected_["published"]["sari"]) check(c, 1e-9);
    QVERIFY2(m.ok(), m.report().constData());
    QVERIFY(!error_message([] { sy::sari_score({"a"}, {"a", "b"}, {{"a"}, {"b"}}); }).empty());
    QVERIFY(!error_message([] { sy::sari_sentence("a", "a", {}); }).empty());
  }

  void constraint_checks_words() {
    QVERIFY(sy::satisfies_constraints("Rain returns to the city", "starts with: rain"));
    QVERIFY(sy::satisfies_constraints("\"RAIN, again\" - today!", "Starts With:  rain again"));
    QVERIFY(sy::satisfies_constraints("Heavy rain returns today", "contains: RAIN"));
    QVERIFY(sy::satisfies_constraints("Heavy rain returns today.", "ends with: today"));
    QVERIFY(sy::satisfies_constraints("Heavy rain returns today", "ends with: returns today"));
    QVERIFY(!sy::satisfies_constraints("Rainfall expected", "contains: rain"));  // words, not text
    QVERIFY(!sy::satisfies_constraints("The rain", "starts with: rain"));
    QVERIFY(!sy::satisfies_constraints("Today rain", "ends with: today"));
    QVERIFY(!sy::satisfies_constraints("", "contains: rain"));
    QVERIFY(!sy::satisfies_constraints("rain", "contains: heavy rain"));
    // Clauses joined by ';' or newlines must all hold.
    QVERIFY(sy::satisfies_constraints("Rain falls today", "starts with: rain; ends with: today"));
    QVERIFY(
        !sy::satisfies_constraints("Rain falls tonight", "starts with: rain\nends with: today"));
    // Several constraints for one item are alternatives: any one obeyed counts.
    QCOMPARE(
        sy::constraint_score(
            {"Rain today", "Sun today", "Snow"},
            {{"starts with: rain"}, {"starts with: rain", "contains: sun"}, {"contains: rain"}}),
        2.0 / 3.0);
  }

  void constraint_errors() {
    QVERIFY(error_message([] {
              sy::parse_constraints("begins with: rain");
            }).find("\"begins with: rain\" is not of the form") != std::string::npos);
    QVERIFY(error_message([] { sy::parse_constraints("contains:  ..."); }).find("no word") !=
            std::string::npos);
    QVERIFY(!error_message([] { sy::parse_constraints(" ; "); }).empty());
    QVERIFY(error_message([] {
              sy::constraint_score({"a", "b"}, {{"contains: a"}, {"oops"}});
            }).find("item 2") != std::string::npos);
    QVERIFY(!error_message([] { sy::constraint_score({"a"}, {}); }).empty());
  }

  // T = 3, worked by hand (columns are tasks 1..3, rows stages 0..3):
  //   R0 = 0.10 0.20 0.30   (base model)
  //   R1 = 0.80 0.25 0.35
  //   R2 = 0.60 0.90 0.40
  //   R3 = 0.50 0.70 0.95
  // AP  = (0.50 + 0.70 + 0.95) / 3                              = 0.716666...
  // F   = (max(0.80, 0.60) - 0.50  +  0.90 - 0.70) / 2          = (0.30 + 0.20) / 2 = 0.25
  // BWT = ((0.50 - 0.80) + (0.70 - 0.90)) / 2                   = -0.25
  // FWT = ((0.25 - 0.20) + (0.40 - 0.30)) / 2                   = 0.075
  void cl_metrics_hand_worked() {
    const sy::ClMetrics m = sy::cl_metrics(
        {{0.10, 0.20, 0.30}, {0.80, 0.25, 0.35}, {0.60, 0.90, 0.40}, {0.50, 0.70, 0.95}});
    QCOMPARE(m.tasks, int64_t{3});
    QVERIFY(std::fabs(m.ap - 2.15 / 3) < 1e-12);
    QVERIFY(m.forgetting && std::fabs(*m.forgetting - 0.25) < 1e-12);
    QVERIFY(m.bwt && std::fabs(*m.bwt + 0.25) < 1e-12);
    QVERIFY(m.fwt && std::fabs(*m.fwt - 0.075) < 1e-12);

    // "Best since learned": task 2 scored 0.9 before its stage (R0), which F ignores.
    //   R = [[0.0, 0.9], [0.6, 0.5], [0.4, 0.8]]: F = 0.6 - 0.4 = 0.2, BWT = 0.4 - 0.6 = -0.2,
    //   FWT = 0.5 - 0.9 = -0.4, AP = (0.4 + 0.8) / 2 = 0.6.
    const sy::ClMetrics b = sy::cl_metrics({{0.0, 0.9}, {0.6, 0.5}, {0.4, 0.8}});
    QVERIFY(std::fabs(*b.forgetting - 0.2) < 1e-12);
    QVERIFY(std::fabs(*b.bwt + 0.2) < 1e-12);
    QVERIFY(std::fabs(*b.fwt + 0.4) < 1e-12);
    QVERIFY(std::fabs(b.ap - 0.6) < 1e-12);

    // A task that improved after its stage has negative forgetting: 0.5 - 0.7 = -0.2.
    const sy::ClMetrics c = sy::cl_metrics({{0.0, 0.0}, {0.5, 0.1}, {0.7, 0.9}});
    QVERIFY(std::fabs(*c.forgetting + 0.2) < 1e-12);

    // T = 1: F, BWT and FWT are means over no term.
    const sy::ClMetrics one = sy::cl_metrics({{0.2}, {0.7}});
    QCOMPARE(one.ap, 0.7);
    QVERIFY(!one.forgetting && !one.bwt && !one.fwt);
    const json j = sy::cl_metrics_to_json(one);
    QVERIFY(j["forgetting"].is_null() && j["bwt"].is_null() && j["fwt"].is_null());
    QCOMPARE(j["tasks"].get<int>(), 1);
  }

  void cl_matrix_errors() {
    const auto message = [](const sy::ScoreMatrix& r) {
      return error_message([&] { sy::check_score_matrix(r); });
    };
    QVERIFY(message({{0.1, 0.2}, {0.3}, {0.4, 0.5}}).find("row 1 has 1 scores; expected 2") !=
            std::string::npos);
    QVERIFY(message({{0.1, 0.2}, {0.3, 0.4}}).find("3 rows for 2 tasks") == std::string::npos);
    QVERIFY(message({{0.1, 0.2}, {0.3, 0.4}}).find("2 rows for 2 tasks; expected 3") !=
            std::string::npos);
    QVERIFY(message({{0.1, 0.2}, {0.3, 1.5}, {0.4, 0.5}}).find("row 1, column 1 (task 2) is 1.5") !=
            std::string::npos);
    QVERIFY(message({{0.1, 0.2}, {0.3, 0.2}, {-0.1, 0.5}}).find("row 2, column 0") !=
            std::string::npos);
    QVERIFY(message({{0.1}, {std::nan("")}}).find("is NaN") != std::string::npos);
    // A task added to a finished run has no scores after stages 1..j-2; no metric reads them.
    const double nan = std::nan("");
    const sy::ScoreMatrix extended = {
        {0.0, 0.1, 0.0}, {0.8, 0.1, nan}, {0.6, 0.9, 0.2}, {0.5, 0.7, 0.9}};
    sy::ScoreMatrix filled = extended;
    filled[1][2] = 0.33;
    const sy::ClMetrics a = sy::cl_metrics(extended), b = sy::cl_metrics(filled);
    QCOMPARE(a.ap, b.ap);
    QCOMPARE(*a.forgetting, *b.forgetting);
    QCOMPARE(*a.bwt, *b.bwt);
    QCOMPARE(*a.fwt, *b.fwt);
    QVERIFY(message({{0.0, 0.1, nan}, {0.8, 0.1, 0.1}, {0.6, 0.9, 0.2}, {0.5, 0.7, 0.9}})
                .find("row 0, column 2 (task 3) is NaN") != std::string::npos);
    QVERIFY(message({{0.0, 0.1, 0.0}, {0.8, 0.1, 0.0}, {0.6, 0.9, nan}, {0.5, 0.7, 0.9}})
                .find("row 2, column 2 (task 3) is NaN") != std::string::npos);
    QVERIFY(!message({}).empty());
    QVERIFY(!message({{}}).empty());
    const std::string from_json = error_message([] {
      sy::score_matrix_from_json(json::parse("[[0.1, 0.2], [0.3, 0.4], [0.5, \"x\"]]"), "m.json");
    });
    QVERIFY2(from_json.find("m.json: score matrix row 2, column 1 (task 2)") != std::string::npos,
             from_json.c_str());
    QVERIFY(
        !error_message([] { sy::score_matrix_from_json(json::parse("{}"), "m.json"); }).empty());
  }

  // The real CLI: rougeL over several fixture cases (a JSON-string line with newlines, JSON-array
  // references, an empty prediction), compared with the mean of rouge-score's values.
  void cli_rouge_l_matches_fixture_mean() {
    QTemporaryDir dir;
    std::string predictions;
    std::string references;
    double precision = 0;
    double recall = 0;
    double fmeasure = 0;
    int items = 0;
    for (const json& c : expected_["rouge"]) {
      if (c["type"] != "rougeL" || c["stem"] != true) continue;
      predictions += item_line({c["prediction"].get<std::string>()}, false);
      references += item_line(c["references"].get<std::vector<std::string>>(), true);
      precision += c["precision"].get<double>();
      recall += c["recall"].get<double>();
      fmeasure += c["fmeasure"].get<double>();
      ++items;
    }
    QVERIFY(items > 5);
    write_file(dir.filePath("pred.txt"), predictions);
    write_file(dir.filePath("ref.txt"), references);
    const ProcessResult r =
        run_engine({"score", "--metric", "rougeL", "--stem", "--predictions",
                    dir.filePath("pred.txt"), "--references", dir.filePath("ref.txt")});
    QVERIFY2(r.exit_code == 0, (r.out + r.err).c_str());
    const json out = json::parse(r.out);
    Mismatches m;
    m.text("cli rougeL", out["metric"], "rougeL");
    m.number("cli rougeL", "items", out["items"], items, 0);
    m.number("cli rougeL", "precision", out["precision"], precision / items);
    m.number("cli rougeL", "recall", out["recall"], recall / items);
    m.number("cli rougeL", "fmeasure", out["fmeasure"], fmeasure / items);
    m.number("cli rougeL", "score", out["score"], fmeasure / items);
    QVERIFY2(m.ok(), m.report().constData());
  }

  // The real CLI: corpus BLEU of sacrebleu's README example (two references per line), and
  // --sentence as the mean of sentence BLEU over the fixture's sentence cases.
  void cli_bleu_matches_fixture() {
    QTemporaryDir dir;
    Mismatches m;
    for (const json& c : expected_["bleu_corpus"]) {
      if (c["name"] != "sacrebleu_readme") continue;
      std::string predictions;
      std::string references;
      for (size_t i = 0; i < c["hypotheses"].size(); ++i) {
        predictions += item_line({c["hypotheses"][i].get<std::string>()}, false);
        references += item_line(c["references"][i].get<std::vector<std::string>>(), true);
      }
      write_file(dir.filePath("pred.txt"), predictions);
      write_file(dir.filePath("ref.txt"), references);
      const ProcessResult r =
          run_engine({"score", "--metric", "bleu", "--predictions", dir.filePath("pred.txt"),
                      "--references", dir.filePath("ref.txt")});
      QVERIFY2(r.exit_code == 0, (r.out + r.err).c_str());
      const json out = json::parse(r.out);
      m.text("cli bleu", out["metric"], "bleu");
      m.number("cli bleu", "items", out["items"], 3, 0);
      m.number("cli bleu", "score", out["score"], c["score"]);
      for (int n = 0; n < 4; ++n) {
        m.number("cli bleu", "precision " + std::to_string(n + 1), out["precisions"][n],
                 c["precisions"][n]);
      }
      m.number("cli bleu", "brevity_penalty", out["brevity_penalty"], c["brevity_penalty"]);
      m.number("cli bleu", "sys_len", out["sys_len"], c["sys_len"], 0);
      m.number("cli bleu", "ref_len", out["ref_len"], c["ref_len"], 0);
    }
    std::string predictions;
    std::string references;
    double sum = 0;
    const json& sentences = expected_["bleu_sentence"];
    for (const json& c : sentences) {
      predictions += item_line({c["hypothesis"].get<std::string>()}, false);
      references += item_line(c["references"].get<std::vector<std::string>>(), true);
      sum += c["score"].get<double>();
    }
    write_file(dir.filePath("pred.txt"), predictions);
    write_file(dir.filePath("ref.txt"), references);
    const ProcessResult r =
        run_engine({"score", "--metric", "bleu", "--sentence", "--predictions",
                    dir.filePath("pred.txt"), "--references", dir.filePath("ref.txt")});
    QVERIFY2(r.exit_code == 0, (r.out + r.err).c_str());
    const json out = json::parse(r.out);
    m.number("cli bleu --sentence", "score", out["score"],
             sum / static_cast<double>(sentences.size()));
    m.number("cli bleu --sentence", "items", out["items"], sentences.size(), 0);
    QVERIFY2(m.ok(), m.report().constData());
  }

  void cli_cl_metrics() {
    QTemporaryDir dir;
    write_file(dir.filePath("m.json"),
               "[[0.1, 0.2, 0.3], [0.8, 0.25, 0.35], [0.6, 0.9, 0.4], "
               "[0.5, 0.7, 0.95]]");
    ProcessResult r = run_engine({"score", "--metric", "cl", "--matrix", dir.filePath("m.json")});
    QVERIFY2(r.exit_code == 0, (r.out + r.err).c_str());
    json out = json::parse(r.out);
    QCOMPARE(out["metric"].get<std::string>(), std::string("cl"));
    QCOMPARE(out["tasks"].get<int>(), 3);
    QVERIFY(std::fabs(out["ap"].get<double>() - 2.15 / 3) < 1e-12);
    QVERIFY(std::fabs(out["forgetting"].get<double>() - 0.25) < 1e-12);
    QVERIFY(std::fabs(out["bwt"].get<double>() + 0.25) < 1e-12);
    QVERIFY(std::fabs(out["fwt"].get<double>() - 0.075) < 1e-12);

    write_file(dir.filePath("one.json"), "[[0.2], [0.7]]");
    r = run_engine({"score", "--metric", "cl", "--matrix", dir.filePath("one.json")});
    QVERIFY2(r.exit_code == 0, (r.out + r.err).c_str());
    out = json::parse(r.out);
    QVERIFY(out["forgetting"].is_null() && out["bwt"].is_null() && out["fwt"].is_null());
  }

  // The other metrics through the CLI, on small inputs whose scores are known.
  void cli_exact_sari_constraint() {
    QTemporaryDir dir;
    write_file(dir.filePath("pred.txt"), "42\r\nParis \n\"two\\nlines\"\n");
    write_file(dir.filePath("ref.txt"), "42\n[\"Lyon\", \"Paris\"]\ntwo lines\n");
    ProcessResult r =
        run_engine({"score", "--metric", "exact", "--predictions", dir.filePath("pred.txt"),
                    "--references", dir.filePath("ref.txt")});
    QVERIFY2(r.exit_code == 0, (r.out + r.err).c_str());
    QCOMPARE(json::parse(r.out)["score"].get<double>(), 1.0);  // whitespace-tolerant, any ref

    const json& sari = expected_["published"]["sari"][0];
    write_file(dir.filePath("src.txt"), sari["sources"][0].get<std::string>() + "\n");
    write_file(dir.filePath("pred.txt"), sari["predictions"][0].get<std::string>() + "\n");
    write_file(dir.filePath("ref.txt"), sari["references"][0].dump() + "\n");
    r = run_engine({"score", "--metric", "sari", "--sources", dir.filePath("src.txt"),
                    "--predictions", dir.filePath("pred.txt"), "--references",
                    dir.filePath("ref.txt")});
    QVERIFY2(r.exit_code == 0, (r.out + r.err).c_str());
    QVERIFY(std::fabs(json::parse(r.out)["score"].get<double>() - 26.953601953601954) < 1e-9);

    write_file(dir.filePath("pred.txt"), "Rain returns today\nSunny skies\n");
    write_file(dir.filePath("ref.txt"), "starts with: rain\nends with: rain\n");
    r = run_engine({"score", "--metric", "constraint", "--predictions", dir.filePath("pred.txt"),
                    "--references", dir.filePath("ref.txt")});
    QVERIFY2(r.exit_code == 0, (r.out + r.err).c_str());
    QCOMPARE(json::parse(r.out)["score"].get<double>(), 0.5);
    QCOMPARE(json::parse(r.out)["items"].get<int>(), 2);
  }

  // Mistakes a user can make end in one line naming the file or option, exit code 1.
  void cli_errors() {
    QTemporaryDir dir;
    write_file(dir.filePath("two.txt"), "a\nb\n");
    write_file(dir.filePath("three.txt"), "a\nb\nc\n");
    write_file(dir.filePath("bad.txt"), "a\n[not json\n");
    write_file(dir.filePath("ragged.json"), "[[0.1, 0.2], [0.3], [0.4, 0.5]]");
    // 100,000 nested arrays killed the engine with SIGSEGV; 40 levels in a cell came back whole
    // in the error line (40-100 KB at 20,000-50,000 levels).
    write_file(dir.filePath("deep.json"), std::string(100000, '[') + std::string(100000, ']'));
    write_file(dir.filePath("deep_cell.json"), "[[0.5, " + std::string(40, '[') + "\"" +
                                                   std::string(5000, 'x') + "\"" +
                                                   std::string(40, ']') + "]]");
    const QString two = dir.filePath("two.txt");
    const QString three = dir.filePath("three.txt");
    const struct {
      QStringList args;
      std::vector<std::string> needles;
    } cases[] = {
        {{"--metric", "bleu", "--predictions", two, "--references", three},
         {two.toStdString(), three.toStdString(), "has 2 lines", "has 3"}},
        {{"--metric", "meteor", "--predictions", two, "--references", two},
         {"unknown --metric \"meteor\"", "rougeLsum"}},
        {{"--metric", "sari", "--predictions", two, "--references", two}, {"--sources"}},
        {{"--metric", "rougeL", "--predictions", two, "--references", dir.filePath("bad.txt")},
         {dir.filePath("bad.txt").toStdString(), "line 2", "JSON array of strings"}},
        {{"--metric", "cl", "--matrix", dir.filePath("ragged.json")},
         {"ragged.json", "row 1 has 1 scores; expected 2"}},
        {{"--metric", "cl", "--matrix", dir.filePath("deep.json")},
         {"deep.json", "nested deeper than 64 levels"}},
        {{"--metric", "cl", "--matrix", dir.filePath("deep_cell.json")},
         {"deep_cell.json", "row 0, column 1", "[[[[", "\xE2\x80\xA6", "expected a score"}},
        {{"--metric", "bleu", "--stem", "--predictions", two, "--references", two}, {"--stem"}},
        {{"--metric", "rouge1", "--predictions", dir.filePath("missing.txt"), "--references", two},
         {"missing.txt", "--predictions"}},
    };
    for (const auto& c : cases) {
      const ProcessResult r = run_engine(QStringList{"score"} + c.args);
      const std::string what = c.args.join(' ').toStdString() + " -> " + r.err;
      QVERIFY2(r.exit_code == 1, what.c_str());
      QVERIFY2(r.out.empty(), what.c_str());
      // One line, whatever the file holds.
      QVERIFY2(r.err.size() < 600 && r.err.find('\n') == r.err.size() - 1, what.c_str());
      for (const std::string& needle : c.needles) {
        QVERIFY2(r.err.find(needle) != std::string::npos, (what + " lacks " + needle).c_str());
      }
    }
  }

 private:
  json expected_;
};

QTEST_APPLESS_MAIN(TestEval)
#include "test_metrics.moc"
