// The memory estimate a run is checked against before anything is loaded: the parameter count
// from a configuration equals the loaded model's for our model and every Hugging Face family;
// BLOOM-1.1B and 7.1B come out at their published sizes; a run whose estimate is above the limit
// is refused with one sentence (estimate, limit, setting) and stores nothing.
#include <QtTest>

#include <filesystem>
#include <fstream>

#include <QTemporaryDir>
#include <nlohmann/json.hpp>

#include "engine/model/checkpoint.h"
#include "engine/run/memory_estimate.h"
#include "engine/util/json_file.h"
#include "storage/store.h"
#include "tests/common/run_process.h"

namespace fs = std::filesystem;
using namespace sy;

namespace {

int64_t loaded_parameters(const std::string& dir) {
  LoadedModel loaded = load_model(dir);
  int64_t n = 0;
  for (const auto& p : loaded.model->parameters()) n += p.numel();
  return n;
}

// A BLOOM config.json of the paper's sizes (no weights: the estimate never reads them).
void write_bloom_config(const std::string& dir, int64_t width, int64_t layers, int64_t heads) {
  fs::create_directories(dir);
  std::ofstream(dir + "/config.json")
      << nlohmann::json{{"model_type", "bloom"}, {"hidden_size", width},
                        {"n_layer", layers},     {"n_head", heads},
                        {"vocab_size", 250880},  {"layer_norm_epsilon", 1e-5},
                        {"bos_token_id", 1},     {"eos_token_id", 2},
                        {"pad_token_id", 3}}
             .dump();
}

// One oracle run of the reverse task at batch 1 on `model`, with "weights_dtype" when given.
void write_oracle_experiment(const std::string& path, const std::string& model,
                             const std::string& weights_dtype = "") {
  nlohmann::json experiment = {{"name", "big"},
                               {"base_model", model},
                               {"tasks", {"reverse"}},
                               {"training", {{"batch_size", 1}}},
                               {"strategies", {"oracle"}}};
  if (!weights_dtype.empty()) experiment["weights_dtype"] = weights_dtype;
  std::ofstream(path) << experiment.dump();
}

}  // namespace

class TestMemoryEstimate : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void the_count_from_a_config_is_the_loaded_models() {
    std::vector<std::string> dirs = {builtin_model_dir()};
    for (const char* family : {"gpt2", "bloom", "opt", "opt-postln", "llama-gqa", "qwen2"}) {
      dirs.push_back(std::string(SY_FIXTURES_DIR) + "/hf/" + family);
    }
    for (const std::string& dir : dirs) {
      QCOMPARE(parameter_count(read_model_config(dir)), loaded_parameters(dir));
    }
  }

  void bloom_sizes_are_the_published_ones() {
    const std::string small = tmp_.filePath("bloom-1b1").toStdString();
    const std::string large = tmp_.filePath("bloom-7b1").toStdString();
    write_bloom_config(small, 1536, 24, 16);
    write_bloom_config(large, 4096, 30, 32);
    // bigscience/bloom-1b1 and bloom-7b1 as published: 1,065,314,304 and 7,069,016,064.
    QCOMPARE(parameter_count(read_model_config(small)), int64_t(1'065'314'304));
    QCOMPARE(parameter_count(read_model_config(large)), int64_t(7'069'016'064));
  }

  void a_run_that_cannot_fit_is_refused_before_loading() {
    const std::string model = tmp_.filePath("bloom-7b1-run").toStdString();
    write_bloom_config(model, 4096, 30, 32);
    const std::string experiment = tmp_.filePath("big.json").toStdString();
    write_oracle_experiment(experiment, model);
    const QString db = tmp_.filePath("big.db");
    qputenv("SWITCHYARD_MEMORY_LIMIT", "24G");
    const auto r = sy::test::run_process(SY_ENGINE_BIN,
                                         {"run", QString::fromStdString(experiment), "--db", db});
    qunsetenv("SWITCHYARD_MEMORY_LIMIT");
    QCOMPARE(r.code, 1);
    const QStringList lines = r.err.trimmed().split('\n');
    QVERIFY2(lines.last().startsWith("error: " + QString::fromStdString(experiment) +
                                     ": the run needs about "),
             qPrintable(r.err));
    QVERIFY2(r.err.contains("base weights in fp32 26.3 GiB"), qPrintable(r.err));
    QVERIFY2(r.err.contains("but 24.0 GiB are available"), qPrintable(r.err));
    QVERIFY2(r.err.contains("hold the base weights in bf16 (\"weights_dtype\": \"bf16\", "
                            "--weights-dtype bf16) or choose a smaller base model "
                            "(\"base_model\", --model)"),
             qPrintable(r.err));
    QCOMPARE(store::Store::open(db.toStdString()).list_runs().size(), size_t(0));

    // `estimate` says the same before anything is tried, and the demo fits.
    qputenv("SWITCHYARD_MEMORY_LIMIT", "24G");
    const auto big = sy::test::run_process(
        SY_ENGINE_BIN, {"estimate", QString::fromStdString(experiment), "--json"});
    const auto demo = sy::test::run_process(
        SY_ENGINE_BIN,
        {"estimate", SWITCHYARD_SOURCE_DIR "/resources/experiments/demo.json", "--json"});
    qunsetenv("SWITCHYARD_MEMORY_LIMIT");
    QCOMPARE(big.code, 0);
    const auto b = nlohmann::json::parse(big.out.toStdString());
    QCOMPARE(b.at("parameters").get<int64_t>(), int64_t(7'069'016'064));
    QCOMPARE(b.at("weights").get<int64_t>(), int64_t(7'069'016'064) * 4);
    QCOMPARE(b.at("available").get<int64_t>(), int64_t(24) << 30);
    QVERIFY(!b.at("fits").get<bool>());
    QCOMPARE(b.at("weights_dtype").get<std::string>(), std::string("fp32"));
    QVERIFY2(demo.code == 0, qPrintable(demo.err));
    QVERIFY(nlohmann::json::parse(demo.out.toStdString()).at("fits").get<bool>());
  }

  void half_precision_weights_halve_the_weights_and_let_7b_fit() {
    // The same 7.1B experiment with bf16 weights: half the bytes, and it fits 24 GiB.
    const std::string model = tmp_.filePath("bloom-7b1-bf16").toStdString();
    write_bloom_config(model, 4096, 30, 32);
    const std::string experiment = tmp_.filePath("big-bf16.json").toStdString();
    write_oracle_experiment(experiment, model, "bf16");
    qputenv("SWITCHYARD_MEMORY_LIMIT", "24G");
    const auto r = sy::test::run_process(
        SY_ENGINE_BIN, {"estimate", QString::fromStdString(experiment), "--json"});
    qunsetenv("SWITCHYARD_MEMORY_LIMIT");
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto b = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(b.at("weights_dtype").get<std::string>(), std::string("bf16"));
    QCOMPARE(b.at("weights").get<int64_t>(), int64_t(7'069'016'064) * 2);
    QVERIFY(b.at("fits").get<bool>());
    // A folder without weights yet is sized by config.json's torch_dtype under "auto".
    nlohmann::json config = read_json_file(model + "/config.json");
    config["torch_dtype"] = "bfloat16";
    write_json_file(model + "/config.json", config);
    QCOMPARE(stored_weights_dtype(model), WeightsDtype::BF16);
    // A bad value is named.
    std::ofstream(experiment) << R"({"name": "x", "weights_dtype": "int8", "tasks": ["reverse"],
      "strategies": ["oracle"]})";
    const auto bad =
        sy::test::run_process(SY_ENGINE_BIN, {"estimate", QString::fromStdString(experiment)});
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains("weights_dtype") && bad.err.contains("int8") &&
                 bad.err.contains("expected auto, fp32, bf16 or fp16"),
             qPrintable(bad.err));
  }

  void large_batches_name_the_batch_size_and_bad_limits_are_named() {
    const std::string experiment = tmp_.filePath("batch.json").toStdString();
    std::ofstream(experiment) << R"({"name": "batch", "tasks": ["reverse"],
      "training": {"batch_size": 4096}, "strategies": ["seq-lora"]})";
    qputenv("SWITCHYARD_MEMORY_LIMIT", "1G");
    auto r = sy::test::run_process(SY_ENGINE_BIN,
                                   {"run", QString::fromStdString(experiment), "--no-db"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("lower the batch size (\"training.batch_size\", --batch-size)"),
             qPrintable(r.err));
    // train makes the same check for its one training.
    r = sy::test::run_process(SY_ENGINE_BIN, {"train", "--task", "reverse", "--batch-size", "4096",
                                              "--steps", "1", "--no-eval"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.startsWith("error: train: the run needs about"), qPrintable(r.err));
    qputenv("SWITCHYARD_MEMORY_LIMIT", "lots");
    r = sy::test::run_process(SY_ENGINE_BIN,
                              {"run", QString::fromStdString(experiment), "--no-db"});
    qunsetenv("SWITCHYARD_MEMORY_LIMIT");
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("error: SWITCHYARD_MEMORY_LIMIT is \"lots\"; expected a size"),
             qPrintable(r.err));
    // The same file within the machine's memory runs as before (the demo's batch of 16 fits).
    QVERIFY(available_memory() > 0);
  }
};

QTEST_GUILESS_MAIN(TestMemoryEstimate)
#include "test_memory_estimate.moc"
