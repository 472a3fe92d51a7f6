// Hugging Face model folders against golden values from transformers and PEFT
// (tests/fixtures/hf, see its README.md): logits at every real position within 1e-4, greedy ids
// identical, PEFT adapters read and written as PEFT does, and clear errors for a damaged folder.
// Each check prints OK / NOT OK with the largest difference, llm.c style.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "engine/generate/generation.h"
#include "engine/model/adapter_io.h"
#include "engine/model/checkpoint.h"
#include "engine/model/forward_input.h"
#include "engine/model/hf_checkpoint.h"
#include "engine/model/tensor_io.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

using namespace sy;
namespace fs = std::filesystem;

namespace {

constexpr double kLogitTolerance = 1e-4;

std::string fixture_dir(const std::string& name) {
  return std::string(SY_FIXTURES_DIR) + "/hf/" + name;
}

nlohmann::json expected_of(const std::string& name) {
  return read_json_file(fixture_dir(name) + "/expected.json");
}

torch::Tensor long_matrix(const nlohmann::json& rows) {
  std::vector<int64_t> flat;
  for (const auto& row : rows) {
    for (const auto& x : row) flat.push_back(x.get<int64_t>());
  }
  const auto b = static_cast<int64_t>(rows.size());
  return torch::tensor(flat, torch::kLong).view({b, static_cast<int64_t>(flat.size()) / b});
}

torch::Tensor float_logits(const nlohmann::json& logits) {
  std::vector<float> flat;
  const auto B = static_cast<int64_t>(logits.size());
  const auto T = static_cast<int64_t>(logits[0].size());
  const auto V = static_cast<int64_t>(logits[0][0].size());
  flat.reserve(static_cast<size_t>(B * T * V));
  for (const auto& batch : logits) {
    for (const auto& pos : batch) {
      for (const auto& x : pos) flat.push_back(x.get<float>());
    }
  }
  return torch::tensor(flat).view({B, T, V});
}

// Compares logits at every real (mask 1) position; prints OK / NOT OK with the largest
// difference, failing the test with the fixture and the worst position named.
void check_logits(const std::string& label, const torch::Tensor& actual,
                  const nlohmann::json& expected) {
  const auto want = float_logits(expected.at("logits"));
  const auto mask = long_matrix(expected.at("attention_mask"));
  if (actual.sizes() != want.sizes()) {
    QFAIL(qPrintable(QString::fromStdString(label + ": logits have shape " +
                                            c10::str(actual.sizes()) + ", expected " +
                                            c10::str(want.sizes()))));
  }
  double worst = 0.0;
  int64_t worst_b = -1, worst_t = -1;
  for (int64_t b = 0; b < want.size(0); ++b) {
    for (int64_t t = 0; t < want.size(1); ++t) {
      if (mask[b][t].item<int64_t>() == 0) continue;
      const double d = (actual[b][t] - want[b][t]).abs().max().item<double>();
      if (d > worst) worst = d, worst_b = b, worst_t = t;
    }
  }
  const bool ok = worst <= kLogitTolerance;
  std::printf("%-7s %-28s logits max abs diff %.3g\n", ok ? "OK" : "NOT OK", label.c_str(), worst);
  if (!ok) {
    QFAIL(qPrintable(QString::fromStdString(
        label + ": logits differ at batch " + std::to_string(worst_b) + ", position " +
        std::to_string(worst_t) + " by " + std::to_string(worst) + " (tolerance 1e-4)")));
  }
}

// The model with end-of-sequence stopping off (the fixtures generate a fixed number of tokens).
TransformerLM without_eos(TransformerLM& model) {
  ModelConfig config = model->config();
  config.eos_id = -1;
  config.extra_eos_ids.clear();
  TransformerLM copy(config);
  torch::NoGradGuard no_grad;
  auto from = model->base_parameters();
  auto to = copy->base_parameters();
  for (size_t i = 0; i < from.size(); ++i) to[i].second.copy_(from[i].second);
  copy->eval();
  return copy;
}

void check_greedy(const std::string& label, TransformerLM& model, const nlohmann::json& greedy) {
  std::vector<TokenIds> prompts;
  for (const auto& p : greedy.at("prompts")) prompts.push_back(p.get<TokenIds>());
  GenerationOptions options;
  options.max_new_tokens = greedy.at("max_new_tokens").get<int64_t>();
  options.temperature = 0.0;
  TransformerLM model_no_eos = without_eos(model);
  const auto got = generate(model_no_eos, prompts, options);
  const auto& want = greedy.at("output_ids");
  for (size_t i = 0; i < prompts.size(); ++i) {
    const TokenIds expected = want[i].get<TokenIds>();
    if (got[i] != expected) {
      std::printf("NOT OK  %-28s greedy ids of prompt %zu\n", label.c_str(), i);
      QFAIL(qPrintable(QString::fromStdString(
          label + ": greedy ids of prompt " + std::to_string(i) + " are " +
          nlohmann::json(got[i]).dump() + ", expected " + nlohmann::json(expected).dump())));
    }
  }
  std::printf("OK      %-28s greedy ids (%zu prompts x %lld tokens)\n", label.c_str(),
              prompts.size(), static_cast<long long>(options.max_new_tokens));
}

torch::Tensor forward_fixture(TransformerLM& model, const nlohmann::json& expected,
                              AdapterId adapter = kNoAdapter) {
  torch::NoGradGuard no_grad;
  return model->forward(long_matrix(expected.at("input_ids")),
                        long_matrix(expected.at("attention_mask")), nullptr, adapter);
}

// A writable copy of a fixture folder, as TMP/copy_name.
std::string copy_fixture(const QTemporaryDir& tmp, const std::string& name,
                         const std::string& copy_name) {
  const std::string to = tmp.path().toStdString() + "/" + copy_name;
  fs::copy(fixture_dir(name), to, fs::copy_options::recursive);
  for (const auto& entry : fs::directory_iterator(to)) {
    fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  return to;
}

// Runs load_model and returns its error text ("" when it loads).
std::string load_error(const std::string& dir) {
  try {
    load_model(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& what, const std::string& message,
                  const std::vector<std::string>& parts) {
  for (const auto& part : parts) {
    if (message.find(part) == std::string::npos) {
      std::printf("NOT OK  %s\n", what.c_str());
      QFAIL(qPrintable(QString::fromStdString(what + ": the error \"" + message +
                                              "\" does not mention \"" + part + "\"")));
    }
  }
  std::printf("OK      %s: %s\n", what.c_str(), message.c_str());
}

const std::vector<std::string> kModelFixtures = {
    "gpt2", "gpt2-sharded", "bloom", "opt", "opt-postln", "llama-gqa", "llama-bf16", "qwen2"};

}  // namespace

class TestHfModels : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    torch::manual_seed(7);
    QVERIFY(tmp_.isValid());
  }

  void logits_and_greedy_ids_match_transformers_data() {
    QTest::addColumn<QString>("name");
    for (const auto& name : kModelFixtures) {
      QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }
  }
  void logits_and_greedy_ids_match_transformers() {
    QFETCH(QString, name);
    const std::string fixture = name.toStdString();
    const auto expected = expected_of(fixture);
    // The fixtures' logits are transformers' in FP32 (llama-bf16's weights widened from bf16).
    LoadedModel loaded = load_model(fixture_dir(fixture), WeightsDtype::FP32);
    // Our positions come from the mask; they must be the ones the reference was given.
    const auto mask = long_matrix(expected.at("attention_mask"));
    const auto positions = long_matrix(expected.at("position_ids"));
    QVERIFY2(
        ((((mask.cumsum(1) - 1).clamp_min(0) - positions) * mask).abs().sum().item<int64_t>() == 0),
        "the fixture's position_ids are not cumsum(mask) - 1 at real tokens");
    check_logits(fixture, forward_fixture(loaded.model, expected), expected);
    check_greedy(fixture, loaded.model, expected.at("greedy"));

    // The folder's tokenizer.json is the model's tokenizer: text round-trips, ids fit the model.
    const std::string text = "Hello world, hello switch.";
    const TokenIds ids = loaded.tokenizer->encode(text);
    QVERIFY(!ids.empty());
    for (int64_t id : ids) QVERIFY(id >= 0 && id < loaded.model->config().vocab_size);
    QCOMPARE(QString::fromStdString(loaded.tokenizer->decode(ids)), QString::fromStdString(text));
  }

  void peft_adapters_give_peft_logits_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("peft-llama") << QStringLiteral("peft-llama");
    QTest::newRow("peft-gpt2") << QStringLiteral("peft-gpt2");
  }
  void peft_adapters_give_peft_logits() {
    QFETCH(QString, name);
    const std::string fixture = name.toStdString();
    const auto expected = expected_of(fixture);
    LoadedModel loaded = load_model(fixture_dir(expected.at("base").get<std::string>()));
    const AdapterId id = load_adapter(fixture_dir(fixture), loaded.model, "peft");
    check_logits(fixture, forward_fixture(loaded.model, expected, id), expected);

    // Saved again, the adapter is PEFT's file: the same names, shapes and values, and the
    // settings PEFT reads (fan_in_fan_out for GPT-2's Conv1D).
    const std::string out = tmp_.path().toStdString() + "/saved-" + fixture;
    save_adapter(out, loaded.model, id, expected.at("base").get<std::string>());
    const NamedTensors ours = load_safetensors(out + "/adapter_model.safetensors");
    const NamedTensors peft = load_safetensors(fixture_dir(fixture) + "/adapter_model.safetensors");
    QCOMPARE(ours.size(), peft.size());
    for (const auto& [key, tensor] : peft) {
      auto it = ours.find(key);
      QVERIFY2(it != ours.end(), ("saved adapter lacks " + key).c_str());
      QVERIFY2(torch::equal(it->second, tensor.to(it->second.scalar_type())),
               ("saved adapter differs in " + key).c_str());
    }
    const auto ours_config = read_json_file(out + "/adapter_config.json");
    const auto peft_config = read_json_file(fixture_dir(fixture) + "/adapter_config.json");
    for (const char* field : {"r", "lora_alpha", "fan_in_fan_out", "peft_type", "task_type"}) {
      QVERIFY2(
          ours_config.at(field) == peft_config.at(field),
          (std::string("adapter_config.json field ") + field + " differs from PEFT's").c_str());
    }
    std::printf("OK      %-28s saved adapter equals PEFT's (%zu tensors)\n", fixture.c_str(),
                peft.size());
  }

  void bloom_adapter_rows_follow_the_fused_qkv_permutation() {
    // PEFT's LoRA on query_key_value adds s * B A to BLOOM's weight in BLOOM's row order; saved
    // B must be in that order, so that the merged weight, read back as BLOOM lays it out, is
    // BLOOM's weight + s * B_saved A.
    LoadedModel loaded = load_model(fixture_dir("bloom"));
    LoraSpec spec;
    spec.rank = 3;
    spec.alpha = 6;
    spec.dropout = 0.0;
    spec.target_modules = {"query_key_value"};
    const AdapterId id = loaded.model->add_adapter("t", spec);
    torch::NoGradGuard no_grad;
    for (auto& [module, layer] : loaded.model->adapter_layers(id)) {
      layer->lora_B(id).normal_(0.0, 0.1);
    }
    const NamedTensors saved = adapter_tensors(loaded.model, id);
    const std::string module = "base_model.model.transformer.h.1.self_attention.query_key_value";
    QVERIFY2(saved.count(module + ".lora_B.weight"), "BLOOM adapter names are not PEFT's");
    const NamedTensors base = load_safetensors(fixture_dir("bloom") + "/model.safetensors");
    const auto& w_bloom = base.at("transformer.h.1.self_attention.query_key_value.weight");
    const auto expected =
        w_bloom + spec.scaling() * torch::matmul(saved.at(module + ".lora_B.weight"),
                                                 saved.at(module + ".lora_A.weight"));
    loaded.model->merge_adapter(id);
    const auto block = loaded.model->layers[1];
    const auto merged = block->as<BlockImpl>()->attn->qkv_proj->weight;
    const double diff =
        (ours_to_checkpoint(merged, TensorTransform::BloomQkv, loaded.model->config()) - expected)
            .abs()
            .max()
            .item<double>();
    std::printf("%-7s bloom adapter permutation, merged weight max abs diff %.3g\n",
                diff < 1e-6 ? "OK" : "NOT OK", diff);
    QVERIFY2(diff < 1e-6, "BLOOM lora_B rows are not permuted as the base weight is");

    // And back: the saved adapter loads into an identical adapter.
    loaded.model->unmerge_adapters();
    const AdapterId again = loaded.model->add_adapter("again", spec);
    set_adapter_tensors(loaded.model, again, saved, "saved bloom adapter");
    for (auto& [name, layer] : loaded.model->adapter_layers(again)) {
      QVERIFY(torch::equal(layer->lora_B(again), layer->lora_B(id)));
      QVERIFY(torch::equal(layer->lora_A(again), layer->lora_A(id)));
    }
  }

  void our_target_names_mean_the_same_layers_on_every_family() {
    // The experiment defaults name layers our way; on a HF model they resolve to the family's
    // names, which is what adapter_config.json must hold for PEFT.
    struct Case {
      const char* fixture;
      std::vector<std::string> resolved;
      size_t layers;  // targeted linear layers over the 2 blocks
    };
    const std::vector<Case> cases = {
        {"gpt2", {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"}, 8},
        {"bloom",
         {"self_attention.query_key_value", "self_attention.dense", "mlp.dense_h_to_4h",
          "mlp.dense_4h_to_h"},
         8},
        // o_proj, up_proj and down_proj are Llama's names too, so they stay as given.
        {"llama-gqa",
         {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "o_proj", "up_proj",
          "down_proj"},
         12},
    };
    for (const Case& c : cases) {
      LoadedModel loaded = load_model(fixture_dir(c.fixture));
      LoraSpec spec;
      spec.target_modules = {"qkv_proj", "o_proj", "up_proj", "down_proj"};
      const AdapterId id = loaded.model->add_adapter("t", spec);
      auto resolved = loaded.model->adapter_spec(id).target_modules;
      std::sort(resolved.begin(), resolved.end());
      auto expected = c.resolved;
      std::sort(expected.begin(), expected.end());
      std::string got;
      for (const auto& r : resolved) got += r + " ";
      QVERIFY2(resolved == expected, (std::string(c.fixture) + ": got " + got).c_str());
      QCOMPARE(loaded.model->adapter_layers(id).size(), c.layers);
      // The family's own names still work and are kept as given.
      LoraSpec theirs;
      theirs.target_modules = {c.resolved.front()};
      const AdapterId own = loaded.model->add_adapter("own", theirs);
      QCOMPARE(loaded.model->adapter_spec(own).target_modules, theirs.target_modules);
      std::printf("OK      %-28s our target names resolve to the family's\n", c.fixture);
    }
  }

  void half_precision_weights_are_the_checkpoint_rounded_data() {
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("dtype");
    // One family per layout conversion: Conv1D's transpose, BLOOM's fused-qkv rows, none.
    for (const char* f : {"gpt2", "bloom", "llama-gqa", "llama-bf16"}) {
      QTest::newRow((std::string(f) + " bf16").c_str()) << QString(f) << QStringLiteral("bf16");
      QTest::newRow((std::string(f) + " fp16").c_str()) << QString(f) << QStringLiteral("fp16");
    }
  }
  void half_precision_weights_are_the_checkpoint_rounded() {
    // Loading straight into half precision (no FP32 copy on the way) gives exactly the FP32
    // load rounded, layouts converted alike; adapters stay FP32; logits stay near FP32's
    // (parity with transformers in the same dtype is the interop suite's, tests/interop).
    QFETCH(QString, fixture);
    QFETCH(QString, dtype);
    const std::string name = fixture.toStdString();
    const WeightsDtype half = parse_weights_dtype(dtype.toStdString(), "dtype");
    LoadedModel wide = load_model(fixture_dir(name), WeightsDtype::FP32);
    LoadedModel narrow = load_model(fixture_dir(name), half);
    QCOMPARE(narrow.model->weights_dtype(), weights_scalar_type(half));
    const auto want = wide.model->base_parameters();
    const auto got = narrow.model->base_parameters();
    QCOMPARE(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      QCOMPARE(got[i].second.scalar_type(), weights_scalar_type(half));
      QVERIFY2(torch::equal(got[i].second, want[i].second.to(weights_scalar_type(half))),
               (name + ": " + got[i].first + " is not the FP32 weight rounded").c_str());
    }
    LoraSpec spec;
    spec.target_modules = {"qkv_proj", "o_proj"};
    const AdapterId adapter = narrow.model->add_adapter("a", spec);
    for (const auto& t : narrow.model->adapter_parameters(adapter)) {
      QCOMPARE(t.scalar_type(), torch::kFloat);
    }
    const auto expected = expected_of(name);
    const auto logits = forward_fixture(narrow.model, expected, adapter).to(torch::kFloat);
    const auto reference = float_logits(expected.at("logits"));
    const double scale = reference.abs().max().item<double>();
    const double worst = (logits - reference).abs().max().item<double>();
    // bf16 keeps 8 significant bits (activations too where the CPU multiplies bf16), fp16 11.
    const double tolerance = (half == WeightsDtype::BF16 ? 6e-2 : 1e-2) * scale;
    std::printf("%-7s %-28s %s logits max abs diff %.3g (tolerance %.3g)\n",
                worst <= tolerance ? "OK" : "NOT OK", name.c_str(), dtype.toUtf8().constData(),
                worst, tolerance);
    QVERIFY(worst <= tolerance);
  }

  void auto_keeps_the_dtype_the_folder_stores() {
    QCOMPARE(load_model(fixture_dir("llama-bf16")).model->weights_dtype(), torch::kBFloat16);
    QCOMPARE(stored_weights_dtype(fixture_dir("llama-bf16")), WeightsDtype::BF16);
    QCOMPARE(load_model(fixture_dir("gpt2")).model->weights_dtype(), torch::kFloat);
    QCOMPARE(stored_weights_dtype(fixture_dir("gpt2")), WeightsDtype::FP32);
  }

  void saved_models_stay_in_their_family_format_data() {
    QTest::addColumn<QString>("fixture");
    for (const char* f :
         {"gpt2", "gpt2-sharded", "bloom", "opt-postln", "llama-gqa", "llama-bf16", "qwen2"}) {
      QTest::newRow(f) << QString(f);
    }
  }
  void saved_models_stay_in_their_family_format() {
    // A full fine-tune of a HF model is saved as that family's folder (transformers reads it
    // too; tests/interop checks that live): changed weights come back exactly, with the tokenizer.
    QFETCH(QString, fixture);
    const std::string name = fixture.toStdString();
    LoadedModel loaded = load_model(fixture_dir(name), WeightsDtype::FP32);  // as a full fine-tune
    {
      torch::NoGradGuard no_grad;
      torch::manual_seed(1);
      for (auto& [ours, param] : loaded.model->base_parameters()) {
        param.add_(torch::randn_like(param) * 0.01);
      }
    }
    const std::string out = tmp_.path().toStdString() + "/full-" + name;
    save_model(out, loaded.model, loaded.dir);
    const nlohmann::json config = read_json_file(out + "/config.json");
    QCOMPARE(
        config.at("model_type").get<std::string>(),
        read_json_file(fixture_dir(name) + "/config.json").at("model_type").get<std::string>());
    QVERIFY(fs::exists(out + "/tokenizer.json"));
    LoadedModel again = load_model(out);
    const nlohmann::json expected = expected_of(name);
    const auto before = forward_fixture(loaded.model, expected);
    const auto after = forward_fixture(again.model, expected);
    QVERIFY2(torch::equal(before, after), (name + ": saved model gives other logits").c_str());
    const std::string text = "Hello, world";
    QCOMPARE(again.tokenizer->encode(text), loaded.tokenizer->encode(text));
    std::printf("OK      %-28s full model saved in its family's format\n", name.c_str());
  }

  void generation_stops_at_every_eos_id_of_the_configs() {
    // Chat models list several EOS ids, in config.json or generation_config.json; an answer ends
    // at any of them. The stop id is the third greedy token of prompt 0, so the answer is the
    // greedy ids up to it (or up to an earlier EOS).
    const nlohmann::json greedy = expected_of("llama-gqa").at("greedy");
    const TokenIds prompt = greedy.at("prompts")[0].get<TokenIds>();
    const TokenIds full = greedy.at("output_ids")[0].get<TokenIds>();
    const int64_t stop = full.at(2);
    for (const char* file : {"config.json", "generation_config.json"}) {
      const std::string dir = copy_fixture(tmp_, "llama-gqa", std::string("eos-") + file);
      nlohmann::json j = read_json_file(dir + "/" + file);
      const int64_t eos = j.at("eos_token_id").get<int64_t>();
      j["eos_token_id"] = {eos, stop};
      std::ofstream(dir + "/" + file) << j.dump(2);
      LoadedModel loaded = load_model(dir);
      QVERIFY(loaded.model->config().is_eos(stop));
      TokenIds expected;
      for (int64_t id : full) {
        if (id == stop || id == eos) break;
        expected.push_back(id);
      }
      GenerationOptions options;
      options.max_new_tokens = static_cast<int64_t>(full.size());
      options.temperature = 0.0;
      const auto got = generate(loaded.model, {prompt}, options);
      QVERIFY2(got.at(0) == expected,
               (std::string(file) + ": got " + nlohmann::json(got[0]).dump() + ", expected " +
                nlohmann::json(expected).dump())
                   .c_str());
      std::printf("OK      eos ids from %-22s stop after %zu of %zu tokens\n", file,
                  expected.size(), full.size());
    }
  }

  void prefixes_and_buffers_are_accepted() {
    // GPT-2 and BLOOM without "transformer.", OPT as OPTModel saves it ("decoder."), and GPT-2's
    // attn.bias / attn.masked_bias buffers: the same logits.
    struct Case {
      const char* fixture;
      const char* from;
      const char* to;
    };
    for (const Case& c : {Case{"gpt2", "transformer.", ""}, Case{"bloom", "transformer.", ""},
                          Case{"opt", "model.decoder.", "decoder."}}) {
      const std::string dir = copy_fixture(tmp_, c.fixture, std::string("prefix-") + c.fixture);
      NamedTensors renamed;
      for (auto& [name, t] : load_safetensors(dir + "/model.safetensors")) {
        std::string n = name;
        if (n.rfind(c.from, 0) == 0) n = c.to + n.substr(std::string(c.from).size());
        renamed[n] = t;
      }
      if (std::string(c.fixture) == "gpt2") {
        renamed["h.0.attn.bias"] = torch::ones({1, 1, 64, 64}).tril();
        renamed["h.0.attn.masked_bias"] = torch::tensor(-1e4);
      }
      save_safetensors(dir + "/model.safetensors", renamed);
      LoadedModel loaded = load_model(dir);
      const auto expected = expected_of(c.fixture);
      check_logits(std::string(c.fixture) + " prefix \"" + c.to + "\"",
                   forward_fixture(loaded.model, expected), expected);
    }
  }

  void unknown_model_type_is_a_clear_error() {
    const std::string dir = tmp_.path().toStdString() + "/mamba";
    fs::create_directories(dir);
    write_json_file(dir + "/config.json", {{"model_type", "mamba"}, {"vocab_size", 10}});
    expect_error("unknown model_type", load_error(dir),
                 {dir + "/config.json", "\"model_type\"", "mamba",
                  "switchyard, gpt2, bloom, opt, llama, qwen2"});
  }

  // Every number of config.json is checked against the others and sane bounds before a tensor
  // is allocated; the error names the file and the field.
  void config_numbers_are_checked_before_allocation() {
    const std::string dir = copy_fixture(tmp_, "llama-gqa", "bad-numbers");
    const nlohmann::json good = read_json_file(dir + "/config.json");
    const struct {
      const char* field;
      nlohmann::json value;
      std::vector<std::string> parts;
    } cases[] = {
        {"num_hidden_layers", 1000000, {"\"n_layer\" is 1000000", "expected 1 to 1024"}},
        {"num_hidden_layers", -2, {"\"n_layer\" is -2"}},
        {"hidden_size", 33, {"\"d_model\" is 33", "multiple of n_head"}},
        {"num_key_value_heads", 4, {"\"n_kv_head\" must divide n_head"}},
        {"vocab_size", 9223372036854775807LL, {"\"vocab_size\" is", "magnitude at most 2^40"}},
        {"vocab_size", 18446744073709551615ULL, {"\"vocab_size\" must be an integer"}},
        {"vocab_size", 1 << 25, {"\"vocab_size\" is 33554432", "expected 1 to 16777216"}},
        {"max_position_embeddings", 0, {"\"max_seq_len\" is 0"}},
        {"rms_norm_eps", -1.0, {"\"norm_eps\" must be a positive number below 1"}},
        {"rope_theta", -5.0, {"\"rope_theta\" is -5.0", "expected a positive number"}},
        {"eos_token_id", 5000, {"\"eos_id\" is 5000", "expected -1 to"}},
    };
    for (const auto& c : cases) {
      nlohmann::json config = good;
      config[c.field] = c.value;
      write_json_file(dir + "/config.json", config);
      std::vector<std::string> parts = c.parts;
      parts.push_back(dir + "/config.json");
      expect_error(std::string(c.field) + " = " + c.value.dump(), load_error(dir), parts);
    }
  }

  // forward's IN.json is checked against the model before a tensor is made: ids in the
  // vocabulary, rows of one length within the context, a mask of 0 and 1 in the ids' shape.
  void forward_input_is_checked_against_the_model() {
    const auto input = [](const std::string& text) {
      return forward_input_from_json(nlohmann::json::parse(text), "in.json", 100, 8);
    };
    const ForwardInput ok = input(R"({"input_ids": [[1, 2], [3, 4]], "attention_mask": [[0, 1],
                                      [1, 1]]})");
    QCOMPARE(ok.rows, int64_t{2});
    QCOMPARE(ok.length, int64_t{2});
    QCOMPARE(ok.input_ids, (std::vector<int64_t>{1, 2, 3, 4}));
    QCOMPARE(ok.attention_mask, (std::vector<int64_t>{0, 1, 1, 1}));
    const struct {
      const char* text;
      std::vector<std::string> parts;
    } cases[] = {
        {R"({})", {"in.json: field \"input_ids\" is missing"}},
        {R"({"input_ids": []})", {"\"input_ids\" is []", "non-empty list of rows"}},
        {R"({"input_ids": [[1, 100]]})", {"row 0, position 1 is 100", "0 to 99"}},
        {R"({"input_ids": [[1, -1]]})", {"row 0, position 1 is -1"}},
        {R"({"input_ids": [[1, 2.5]]})", {"position 1 is 2.5"}},
        {R"({"input_ids": [[1, 18446744073709551615]]})", {"is 18446744073709551615"}},
        {R"({"input_ids": [[1, 2], [3]]})", {"row 1 is [3]", "as long as row 0"}},
        {R"({"input_ids": [[1, 2, 3, 4, 5, 6, 7, 8, 9]]})",
         {"rows of 9 tokens", "context length of 8"}},
        {R"({"input_ids": [[1, 2]], "attention_mask": [[1, 2]]})",
         {"\"attention_mask\" row 0, position 1 is 2", "0 and 1"}},
        {R"({"input_ids": [[1, 2]], "attention_mask": [[1, 1], [1, 1]]})", {"is 2 x 2", "1 x 2"}},
        {R"({"input_ids": [[1, 2]], "attention_mask": [[0, 0]]})", {"masks every position"}},
    };
    for (const auto& c : cases) {
      std::string message;
      try {
        input(c.text);
      } catch (const Error& e) {
        message = e.what();
      }
      expect_error(c.text, message, c.parts);
    }
  }

  // GPT-2 has a learned position table of n_positions (64 here): a prompt that fills it used to
  // give back nothing at all; now the answer says why.
  void prompt_longer_than_the_context_is_explained() {
    LoadedModel loaded = load_model(fixture_dir("gpt2"));
    GenerationOptions options;
    options.max_new_tokens = 4;
    QCOMPARE(generate(loaded.model, {TokenIds(63, 5)}, options).size(), size_t{1});
    std::string message;
    try {
      generate(loaded.model, {TokenIds(3, 5), TokenIds(70, 5)}, options);
    } catch (const Error& e) {
      message = e.what();
    }
    expect_error("prompt past the context", message,
                 {"a prompt of 70 tokens", "context length of 64 tokens", "at most 63 tokens"});
  }

  // Token ids past the model's vocabulary would fail inside LibTorch on the first text holding
  // one; such a tokenizer cannot encode, and says why.
  void tokenizer_ids_past_the_vocabulary_are_refused() {
    const std::string dir = copy_fixture(tmp_, "llama-gqa", "big-tokenizer");
    nlohmann::json tokenizer = read_json_file(dir + "/tokenizer.json");
    tokenizer["added_tokens"].push_back({{"id", 100000}, {"content", "<far>"}, {"special", true}});
    write_json_file(dir + "/tokenizer.json", tokenizer);
    LoadedModel loaded = load_model(dir);
    try {
      loaded.tokenizer->encode("hello");
      QFAIL("a tokenizer with ids past vocab_size encoded text");
    } catch (const Error& e) {
      expect_error("tokenizer ids past vocab_size", e.what(),
                   {dir + "/tokenizer.json", "ids up to 100000", "\"vocab_size\""});
    }
  }

  void settings_we_do_not_implement_are_refused() {
    // RoPE scaling (Llama 3.1's "llama3") would give wrong numbers silently if ignored.
    const std::string dir = copy_fixture(tmp_, "llama-gqa", "rope-scaled");
    auto config = read_json_file(dir + "/config.json");
    config["rope_parameters"]["rope_type"] = "llama3";
    write_json_file(dir + "/config.json", config);
    expect_error("RoPE scaling", load_error(dir),
                 {dir + "/config.json", "\"rope_parameters\"", "llama3"});
  }

  void missing_extra_and_misshapen_tensors_are_clear_errors() {
    const std::string dir = copy_fixture(tmp_, "llama-gqa", "damaged-llama");
    const std::string file = dir + "/model.safetensors";
    const NamedTensors good = load_safetensors(fixture_dir("llama-gqa") + "/model.safetensors");
    const std::string victim = "model.layers.1.self_attn.k_proj.weight";

    NamedTensors missing = good;
    missing.erase(victim);
    save_safetensors(file, missing);
    expect_error("missing tensor", load_error(dir), {file, victim, "missing", "[16, 48]"});

    NamedTensors misshapen = good;
    misshapen[victim] = torch::zeros({48, 48});
    save_safetensors(file, misshapen);
    expect_error("wrong-shape tensor", load_error(dir), {file, victim, "[48, 48]", "[16, 48]"});

    NamedTensors extra = good;
    extra["model.layers.0.self_attn.q_norm.weight"] = torch::ones({8});
    save_safetensors(file, extra);
    expect_error("extra tensor", load_error(dir),
                 {file, "model.layers.0.self_attn.q_norm.weight", "not part of"});

    NamedTensors integer = good;
    integer[victim] = torch::zeros({16, 48}, torch::kInt);
    save_safetensors(file, integer);
    expect_error("integer tensor", load_error(dir), {file, victim, "I32", "F32, F16 or BF16"});
  }

  void sharded_index_naming_a_missing_shard_is_a_clear_error() {
    const std::string dir = copy_fixture(tmp_, "gpt2-sharded", "missing-shard");
    fs::remove(dir + "/model-00002-of-00003.safetensors");
    expect_error("missing shard", load_error(dir),
                 {dir + "/model.safetensors.index.json", "model-00002-of-00003.safetensors",
                  "does not exist"});
  }

  void forward_command_runs_a_hf_folder_with_a_peft_adapter() {
    // `switchyard-engine forward` on a Hugging Face folder: PEFT's logits from the CLI.
    const std::string out = tmp_.path().toStdString() + "/forward-out.json";
    QProcess engine;
    engine.start(QStringLiteral(SY_ENGINE_BIN),
                 {"forward", "--model", QString::fromStdString(fixture_dir("llama-gqa")),
                  "--adapter", QString::fromStdString(fixture_dir("peft-llama")), "--input",
                  QString::fromStdString(fixture_dir("peft-llama") + "/expected.json"), "--output",
                  QString::fromStdString(out)});
    QVERIFY2(engine.waitForFinished(120000), "switchyard-engine forward did not finish");
    QVERIFY2(engine.exitCode() == 0, engine.readAllStandardError().constData());
    const auto expected = expected_of("peft-llama");
    const auto logits = float_logits(read_json_file(out).at("logits"));
    check_logits("forward CLI peft-llama", logits, expected);

    // --weights-dtype: bf16 gives other logits, near FP32's; a wrong value is one error line.
    auto forward = [&](const QString& dtype) {
      QProcess p;
      p.start(QStringLiteral(SY_ENGINE_BIN),
              {"forward", "--model", QString::fromStdString(fixture_dir("llama-gqa")), "--input",
               QString::fromStdString(fixture_dir("llama-gqa") + "/expected.json"), "--output",
               QString::fromStdString(out), "--weights-dtype", dtype});
      p.waitForFinished(120000);
      return std::make_pair(p.exitCode(), QString::fromUtf8(p.readAllStandardError()));
    };
    QCOMPARE(forward(QStringLiteral("bf16")).first, 0);
    const auto half = float_logits(read_json_file(out).at("logits"));
    const auto reference = float_logits(expected_of("llama-gqa").at("logits"));
    const double worst = (half - reference).abs().max().item<double>();
    QVERIFY2(worst > 0 && worst < 6e-2 * reference.abs().max().item<double>(),
             std::to_string(worst).c_str());
    const auto [code, err] = forward(QStringLiteral("int8"));
    QCOMPARE(code, 1);
    QCOMPARE(err.trimmed(), QStringLiteral("error: option --weights-dtype must be \"auto\", "
                                           "\"fp32\", \"bf16\" or \"fp16\", not \"int8\""));
  }

 private:
  QTemporaryDir tmp_;
};

QTEST_APPLESS_MAIN(TestHfModels)
#include "test_hf_models.moc"
