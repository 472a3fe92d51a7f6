// `switchyard-engine score`: scores prediction files with the task metrics, and a score matrix with
// the continual-learning metrics, so that outputs made anywhere (here, a GPU server, another tool)
// are judged by the same code as the runs themselves.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/cl/score_matrix.h"
#include "engine/metrics/bleu.h"
#include "engine/metrics/constraint.h"
#include "engine/metrics/exact_match.h"
#include "engine/metrics/rouge.h"
#include "engine/metrics/sari.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {

namespace {

using Items = std::vector<std::vector<std::string>>;

const char* kMetricNames = "exact, rouge1, rouge2, rougeL, rougeLsum, bleu, sari, constraint or cl";

// One text per line. A line starting with '"' is a JSON string (which may hold newlines, as
// rougeLsum needs); where `several` is allowed, a line starting with '[' is a JSON array of
// strings (several references for one item). A trailing "\r" is dropped, and so is the empty
// piece after a final newline.
Items read_items(const std::string& path, const std::string& option, bool several) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + " (--" + option + "): " + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // a UTF-8 byte order mark
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  Items items;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string where = path + " (--" + option + ") line " + std::to_string(i + 1);
    if (line.empty() || (line[0] != '"' && (line[0] != '[' || !several))) {
      items.push_back({line});
      continue;
    }
    const nlohmann::json value = try_parse_json(line).value_or(nlohmann::json());
    if (line[0] == '"') {
      if (!value.is_string()) {
        throw Error(where +
                    " starts with '\"' but is not one JSON string; expected a JSON string "
                    "such as \"first line\\nsecond line\".");
      }
      items.push_back({value.get<std::string>()});
      continue;
    }
    bool strings = value.is_array() && !value.empty();
    if (strings) {
      for (const auto& v : value) strings = strings && v.is_string();
    }
    if (!strings) {
      throw Error(where +
                  " starts with '[' but is not a JSON array of strings; expected several "
                  "references as [\"first\", \"second\"] (a text starting with '[' must be "
                  "written as a JSON string).");
    }
    items.push_back(value.get<std::vector<std::string>>());
  }
  return items;
}

// The texts of a file read without `several` (one per line).
std::vector<std::string> single_texts(const Items& items) {
  std::vector<std::string> texts;
  for (const auto& item : items) texts.push_back(item.front());
  return texts;
}

void require_same_count(const Items& a, const std::string& a_option, const std::string& a_path,
                        const Items& b, const std::string& b_option, const std::string& b_path) {
  if (a.size() != b.size()) {
    throw Error("--" + a_option + " " + a_path + " has " + std::to_string(a.size()) +
                " lines but --" + b_option + " " + b_path + " has " + std::to_string(b.size()) +
                "; expected one line per item in each.");
  }
}

void reject(const CliArgs& args, const std::string& option, const std::string& why) {
  if (args.has(option)) throw Error("option --" + option + " " + why);
}

int score_matrix_command(const CliArgs& args) {
  for (const char* option : {"predictions", "references", "sources", "stem", "sentence"}) {
    reject(args, option, "does not apply to --metric cl, which reads only --matrix FILE.");
  }
  const std::string path = args.required("matrix");
  const ClMetrics metrics = cl_metrics(score_matrix_from_json(read_json_file(path), path));
  nlohmann::ordered_json out;
  out["metric"] = "cl";
  const nlohmann::json values = cl_metrics_to_json(metrics);
  for (const char* key : {"ap", "forgetting", "bwt", "fwt", "tasks"}) out[key] = values.at(key);
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace

int command_score(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"stem", "sentence"});
  args.check({"metric", "predictions", "references", "sources", "matrix"});
  const std::string metric = args.required("metric");
  if (metric == "cl") return score_matrix_command(args);

  const bool is_rouge = metric.rfind("rouge", 0) == 0;
  if (!is_rouge && metric != "exact" && metric != "bleu" && metric != "sari" &&
      metric != "constraint") {
    throw Error("unknown --metric \"" + metric + "\"; expected " + kMetricNames + ".");
  }
  const RougeType rouge_type = is_rouge ? rouge_type_from_name(metric) : RougeType{};
  reject(args, "matrix", "applies only to --metric cl.");
  if (!is_rouge) reject(args, "stem", "applies only to the ROUGE metrics.");
  if (metric != "bleu") reject(args, "sentence", "applies only to --metric bleu.");
  if (metric != "sari") reject(args, "sources", "applies only to --metric sari.");
  if (metric == "sari" && !args.has("sources")) {
    throw Error(
        "--metric sari needs --sources FILE (the texts that were simplified, one per line).");
  }

  const std::string predictions_path = args.required("predictions");
  const std::string references_path = args.required("references");
  const Items prediction_items = read_items(predictions_path, "predictions", false);
  const Items references = read_items(references_path, "references", true);
  require_same_count(prediction_items, "predictions", predictions_path, references, "references",
                     references_path);
  if (references.empty()) {
    throw Error("--predictions " + predictions_path + " and --references " + references_path +
                " hold no lines; expected one item per line.");
  }
  const std::vector<std::string> predictions = single_texts(prediction_items);

  nlohmann::ordered_json out;
  out["metric"] = metric;
  if (metric == "exact") {
    size_t hits = 0;
    for (size_t i = 0; i < predictions.size(); ++i) {
      bool hit = false;
      for (const std::string& ref : references[i]) hit = hit || exact_match(predictions[i], ref);
      hits += hit ? 1 : 0;
    }
    out["score"] = static_cast<double>(hits) / static_cast<double>(predictions.size());
  } else if (is_rouge) {
    const RougeScore mean = rouge_mean(rouge_type, predictions, references, args.flag("stem"));
    out["score"] = mean.fmeasure;
    out["precision"] = mean.precision;
    out["recall"] = mean.recall;
    out["fmeasure"] = mean.fmeasure;
  } else if (metric == "bleu") {
    BleuScore bleu;
    if (args.flag("sentence")) {
      // The mean of sentence BLEU (and of its precisions and brevity penalty); lengths are summed.
      const double n = static_cast<double>(predictions.size());
      for (size_t i = 0; i < predictions.size(); ++i) {
        const BleuScore s = sentence_bleu(predictions[i], references[i]);
        bleu.score += s.score / n;
        for (int k = 0; k < kBleuMaxOrder; ++k) bleu.precisions[k] += s.precisions[k] / n;
        bleu.brevity_penalty += s.brevity_penalty / n;
        bleu.sys_len += s.sys_len;
        bleu.ref_len += s.ref_len;
      }
    } else {
      bleu = corpus_bleu(predictions, references);
    }
    out["score"] = bleu.score;
    out["precisions"] = bleu.precisions;
    out["brevity_penalty"] = bleu.brevity_penalty;
    out["sys_len"] = bleu.sys_len;
    out["ref_len"] = bleu.ref_len;
  } else if (metric == "sari") {
    const std::string sources_path = args.required("sources");
    const Items source_items = read_items(sources_path, "sources", false);
    require_same_count(source_items, "sources", sources_path, references, "references",
                       references_path);
    out["score"] = sari_score(single_texts(source_items), predictions, references);
  } else {
    out["score"] = constraint_score(predictions, references);
  }
  out["items"] = predictions.size();
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace sy
