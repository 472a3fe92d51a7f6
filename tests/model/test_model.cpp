// The transformer and its LoRA adapters: what a user relies on when one frozen base model serves
// many adapters — a fresh adapter changes nothing, only adapter weights learn, merging is exact,
// adapters survive a save/load round trip, and the KV cache changes no generated token.
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "engine/generate/generation.h"
#include "engine/kernels/attention_kernels.h"
#include "engine/kernels/cached_attention.h"
#include "engine/kernels/causal_attention.h"
#include "engine/kernels/contiguous_bmm.h"
#include "engine/kernels/cpu_gemm.h"
#include "engine/kernels/dense_linear.h"
#include "engine/kernels/dropout_kernels.h"
#include "engine/kernels/dropout_mask.h"
#include "engine/kernels/fused_lora.h"
#include "engine/kernels/gelu.h"
#include "engine/kernels/gelu_kernels.h"
#include "engine/kernels/lora_kernels.h"
#include "engine/model/adapter_io.h"
#include "engine/model/checkpoint.h"
#include "engine/model/rope.h"
#include "engine/model/transformer.h"
#include "engine/tokenizer/bpe_trainer.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

using namespace sy;

namespace {

// A small model of each numerics family, so every code path runs.
ModelConfig small_config(PositionType position, NormType norm, MlpType mlp, bool fused,
                         int64_t kv_heads) {
  ModelConfig c;
  c.vocab_size = 97;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_kv_head = kv_heads;
  c.d_model = 32;
  c.d_ff = 64;
  c.max_seq_len = 64;
  c.position = position;
  c.norm = norm;
  c.mlp = mlp;
  c.fused_qkv = fused;
  c.pad_id = 0;
  c.bos_id = 1;
  c.eos_id = 2;
  return c;
}

std::vector<ModelConfig> all_configs() {
  return {small_config(PositionType::Learned, NormType::LayerNorm, MlpType::GELU, true, 4),
          small_config(PositionType::RoPE, NormType::RMSNorm, MlpType::SwiGLU, false, 2),
          small_config(PositionType::ALiBi, NormType::LayerNorm, MlpType::GELUTanh, true, 4)};
}

// A left-padded batch: row 0 has 3 padding tokens.
std::pair<torch::Tensor, torch::Tensor> padded_batch() {
  auto ids = torch::randint(3, 97, {2, 12}, torch::kLong);
  auto mask = torch::ones({2, 12}, torch::kLong);
  mask[0].narrow(0, 0, 3).fill_(0);
  ids[0].narrow(0, 0, 3).fill_(0);
  return {ids, mask};
}

LoraSpec spec_all_linear() {
  LoraSpec spec;
  spec.rank = 4;
  spec.alpha = 8;
  spec.dropout = 0.0;
  spec.target_modules = {"qkv_proj", "q_proj",  "k_proj",    "v_proj",
                         "o_proj",   "up_proj", "gate_proj", "down_proj"};
  return spec;
}

// Gives an adapter non-zero B so that it changes the output (a trained adapter, in effect).
void randomize_adapter(TransformerLM& model, AdapterId id) {
  torch::NoGradGuard no_grad;
  for (auto& [name, layer] : model->adapter_layers(id)) layer->lora_B(id).normal_(0.0, 0.05);
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// softmax(q k^T * scale + mask) v written out with plain tensor ops, as [B, T, H * D]. The T
// queries are the last T of the S keys: query t sees keys 0..S - T + t.
torch::Tensor reference_attention(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v, const torch::Tensor& key_mask,
                                  double scale) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), S = k.size(2);
  const auto kk = k.repeat_interleave(H / k.size(1), 1), vv = v.repeat_interleave(H / v.size(1), 1);
  const auto causal = torch::ones({T, S}, torch::kBool).tril(S - T);
  const auto allowed = causal.unsqueeze(0) & (key_mask.unsqueeze(1) > 0);
  const auto bias = torch::zeros(allowed.sizes()).masked_fill(allowed.logical_not(), -1e30);
  const auto scores = torch::matmul(q, kk.transpose(-2, -1)) * scale + bias.unsqueeze(1);
  return torch::matmul(torch::softmax(scores, -1), vv).transpose(1, 2).reshape({B, T, H * D});
}

// A query row that sees at least one real key (others are padding nobody reads): [B, T, 1] for
// the last T of key_mask's columns (all of them by default).
torch::Tensor rows_with_a_visible_key(const torch::Tensor& key_mask, int64_t T = -1) {
  const auto seen = key_mask.cumsum(1) > 0;
  return seen.narrow(1, T < 0 ? 0 : seen.size(1) - T, T < 0 ? seen.size(1) : T)
      .unsqueeze(-1)
      .to(torch::kFloat);
}

// A model of the built-in model's head size (32), where the fused attention applies.
ModelConfig fused_attention_config(PositionType position, int64_t kv_heads) {
  ModelConfig c =
      small_config(position, NormType::LayerNorm, MlpType::GELU, kv_heads == 4, kv_heads);
  c.d_model = 128;
  c.d_ff = 128;
  return c;
}

}  // namespace

class TestModel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { torch::manual_seed(1234); }

  void padding_changes_nothing() {
    // A left-padded row must give the same logits as the same tokens unpadded.
    for (const auto& config : all_configs()) {
      TransformerLM model(config);
      model->eval();
      torch::NoGradGuard no_grad;
      auto [ids, mask] = padded_batch();
      auto batched = model->forward(ids, mask);
      auto alone = model->forward(ids[0].narrow(0, 3, 9).unsqueeze(0));
      QVERIFY2(max_diff(batched[0].narrow(0, 3, 9), alone[0]) < 1e-5,
               "padding changed a row's logits");
    }
  }

  void attention_is_causal_and_reaches_back() {
    // Changing token 5 changes the logits at positions >= 5 and none before; the last position
    // depends on the very first token (attention really looks back).
    for (const auto& config : all_configs()) {
      TransformerLM model(config);
      model->eval();
      torch::NoGradGuard no_grad;
      auto ids = torch::randint(3, 97, {1, 12}, torch::kLong);
      auto changed = ids.clone();
      changed[0][5] = (ids[0][5].item<int64_t>() + 1 - 3) % 94 + 3;
      auto a = model->forward(ids), b = model->forward(changed);
      QVERIFY2(max_diff(a.narrow(1, 0, 5), b.narrow(1, 0, 5)) == 0.0, "the future leaked back");
      QVERIFY2(max_diff(a.narrow(1, 5, 7), b.narrow(1, 5, 7)) > 1e-6, "later positions ignored it");
      auto first = ids.clone();
      first[0][0] = (ids[0][0].item<int64_t>() + 1 - 3) % 94 + 3;
      QVERIFY2(max_diff(a.select(1, 11), model->forward(first).select(1, 11)) > 1e-6,
               "the last position ignores the first token");
    }
  }

  void selected_rows_match_every_row() {
    // hidden_states(..., rows) computes the last block's o_proj and MLP on the selected rows
    // only (training's target positions): its values and every gradient must be those of the
    // full output's same rows. Post-norm (OPT-350m) included.
    auto configs = all_configs();
    configs.push_back(configs[0]);
    configs.back().post_norm = true;
    configs.push_back(fused_attention_config(PositionType::RoPE, 2));  // the fused attention
    for (const auto& config : configs) {
      TransformerLM model(config);
      const AdapterId id = model->add_adapter("task", spec_all_linear());
      randomize_adapter(model, id);
      for (auto& p : model->parameters()) p.set_requires_grad(true);
      auto [ids, mask] = padded_batch();
      const auto rows = torch::tensor({4, 7, 11, 15, 22, 23}, torch::kLong);
      const auto weights = torch::randn({rows.size(0), config.d_model});
      auto grads_of = [&](const torch::Tensor& out) {
        model->zero_grad();
        (out * weights).sum().backward();
        std::vector<torch::Tensor> grads;
        for (const auto& p : model->parameters()) {
          if (p.grad().defined()) grads.push_back(p.grad().clone());
        }
        return grads;
      };
      const auto all = model->hidden_states(ids, mask, nullptr, id)
                           .view({-1, config.d_model})
                           .index_select(0, rows);
      const auto all_grads = grads_of(all);
      const auto selected = model->hidden_states(ids, mask, nullptr, id, rows);
      QCOMPARE(selected.sizes(), all.sizes());
      QVERIFY2(max_diff(selected, all) < 1e-5, "the selected rows differ from the full output's");
      const auto selected_grads = grads_of(selected);
      QCOMPARE(selected_grads.size(), all_grads.size());
      QVERIFY(all_grads.size() > 10);
      for (size_t i = 0; i < all_grads.size(); ++i) {  // float rounding, relative to the size
        const double scale = 1.0 + all_grads[i].abs().max().item<double>();
        QVERIFY2(max_diff(selected_grads[i], all_grads[i]) < 1e-5 * scale,
                 ("gradient " + std::to_string(i) + " differs").c_str());
      }
      // A batch without one target row (every response cut off) still runs, forward and back.
      const auto none =
          model->hidden_states(ids, mask, nullptr, id, torch::empty({0}, torch::kLong));
      QCOMPARE(none.sizes(), (std::vector<int64_t>{0, config.d_model}));
      model->zero_grad();
      none.sum().backward();
    }
  }

  void fresh_adapter_leaves_outputs_unchanged() {
    for (const auto& config : all_configs()) {
      TransformerLM model(config);
      model->eval();
      torch::NoGradGuard no_grad;
      auto [ids, mask] = padded_batch();
      auto base = model->forward(ids, mask);
      const AdapterId id = model->add_adapter("task", spec_all_linear());
      auto with_adapter = model->forward(ids, mask, nullptr, id);
      QCOMPARE(max_diff(base, with_adapter), 0.0);
    }
  }

  void only_adapter_parameters_get_gradients() {
    TransformerLM model(all_configs()[1]);
    const AdapterId id = model->add_adapter("task", spec_all_linear());
    for (auto& p : model->parameters()) p.set_requires_grad(false);
    auto adapter_params = model->adapter_parameters(id);
    for (auto& p : adapter_params) p.set_requires_grad(true);
    model->train();
    auto [ids, mask] = padded_batch();
    model->forward(ids, mask, nullptr, id).pow(2).mean().backward();
    for (auto& [name, tensor] : model->base_parameters()) {
      QVERIFY2(!tensor.grad().defined(), ("base tensor got a gradient: " + name).c_str());
    }
    int with_grad = 0;
    for (auto& p : adapter_params)
      with_grad += p.grad().defined() && p.grad().abs().sum().item<double>() > 0;
    // B starts at zero, so dL/dA is zero on the first step; every B must get a gradient.
    QVERIFY(with_grad >= static_cast<int>(adapter_params.size()) / 2);
  }

  void merge_equals_unmerged_forward() {
    for (const auto& config : all_configs()) {
      TransformerLM model(config);
      model->eval();
      torch::NoGradGuard no_grad;
      const AdapterId a = model->add_adapter("a", spec_all_linear());
      const AdapterId b = model->add_adapter("b", spec_all_linear());
      randomize_adapter(model, a);
      randomize_adapter(model, b);
      auto [ids, mask] = padded_batch();
      auto base = model->forward(ids, mask);
      auto out_a = model->forward(ids, mask, nullptr, a);
      auto out_b = model->forward(ids, mask, nullptr, b);
      QVERIFY(max_diff(base, out_a) > 1e-3);  // the adapter really does something
      model->merge_adapter(a);
      QVERIFY2(max_diff(model->forward(ids, mask, nullptr, a), out_a) < 1e-5, "merged a differs");
      // While a is merged, the base model and adapter b must still be exact.
      QVERIFY2(max_diff(model->forward(ids, mask), base) < 1e-5, "base differs while merged");
      QVERIFY2(max_diff(model->forward(ids, mask, nullptr, b), out_b) < 1e-5,
               "other adapter differs while merged");
      model->unmerge_adapters();
      QVERIFY2(max_diff(model->forward(ids, mask), base) < 1e-5, "unmerge did not restore");
    }
  }

  void adapters_are_chosen_per_call() {
    TransformerLM model(all_configs()[0]);
    model->eval();
    torch::NoGradGuard no_grad;
    const AdapterId a = model->add_adapter("a", spec_all_linear());
    const AdapterId b = model->add_adapter("b", spec_all_linear());
    randomize_adapter(model, a);
    randomize_adapter(model, b);
    auto [ids, mask] = padded_batch();
    QVERIFY(max_diff(model->forward(ids, mask, nullptr, a), model->forward(ids, mask, nullptr, b)) >
            1e-3);
  }

  void adapter_save_load_round_trip_is_exact() {
    QTemporaryDir dir;
    TransformerLM model(all_configs()[1]);
    model->eval();
    torch::NoGradGuard no_grad;
    LoraSpec spec = spec_all_linear();
    spec.target_modules = {"q_proj", "v_proj"};
    const AdapterId id = model->add_adapter("task", spec);
    randomize_adapter(model, id);
    const std::string path = dir.filePath("adapter").toStdString();
    save_adapter(path, model, id, "test-base");
    QVERIFY(QFile::exists(dir.filePath("adapter/adapter_config.json")));
    QVERIFY(QFile::exists(dir.filePath("adapter/adapter_model.safetensors")));

    const AdapterId loaded = load_adapter(path, model, "again");
    auto [ids, mask] = padded_batch();
    QCOMPARE(max_diff(model->forward(ids, mask, nullptr, id),
                      model->forward(ids, mask, nullptr, loaded)),
             0.0);
    for (auto& [name, layer] : model->adapter_layers(id)) {
      QVERIFY(torch::equal(layer->lora_A(id), layer->lora_A(loaded)));
      QVERIFY(torch::equal(layer->lora_B(id), layer->lora_B(loaded)));
    }
    const LoraSpec read = read_adapter_config(path + "/adapter_config.json");
    QCOMPARE(read.rank, spec.rank);
    QCOMPARE(read.alpha, spec.alpha);
    QCOMPARE(read.target_modules, spec.target_modules);
  }

  void adapter_uses_peft_tensor_names() {
    QTemporaryDir dir;
    TransformerLM model(all_configs()[0]);
    LoraSpec spec = spec_all_linear();
    spec.target_modules = {"qkv_proj"};
    save_adapter(dir.path().toStdString(), model, model->add_adapter("t", spec), "base");
    QFile f(dir.filePath("adapter_model.safetensors"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray header = f.read(4096);
    QVERIFY(header.contains("base_model.model.layers.0.attn.qkv_proj.lora_A.weight"));
    QVERIFY(header.contains("base_model.model.layers.1.attn.qkv_proj.lora_B.weight"));
  }

  void adapter_for_another_model_is_refused_and_model_unchanged() {
    QTemporaryDir dir;
    TransformerLM small(all_configs()[0]);
    LoraSpec spec = spec_all_linear();
    spec.target_modules = {"qkv_proj"};
    save_adapter(dir.path().toStdString(), small, small->add_adapter("t", spec), "base");
    ModelConfig wider = all_configs()[0];
    wider.d_model = 48;
    TransformerLM other(wider);
    try {
      load_adapter(dir.path().toStdString(), other, "t");
      QFAIL("a mismatched adapter loaded");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("has shape"), e.what());
    }
    QVERIFY(!other->has_adapter("t"));
  }

  void model_save_load_round_trip_is_exact() {
    QTemporaryDir dir;
    for (const auto& config : all_configs()) {
      TransformerLM model(config);
      model->eval();
      save_model(dir.path().toStdString(), model);
      LoadedModel loaded = load_model(dir.path().toStdString());
      torch::NoGradGuard no_grad;
      auto [ids, mask] = padded_batch();
      QCOMPARE(max_diff(model->forward(ids, mask), loaded.model->forward(ids, mask)), 0.0);
    }
  }

  // A model of ours with a learned vocabulary: its folder's tokenizer.json is read with it, kept
  // by save_model when given the folder it came from, and must agree with its config's ids.
  void bpe_model_folders_carry_their_tokenizer() {
    std::vector<std::string> corpus;
    for (int i = 0; i < 50; ++i)
      corpus.push_back("Reverse the words.\nthunder bone along\n=> along");
    const auto vocab = train_byte_level_bpe(corpus, 280, {"<pad>", "<bos>", "<eos>"});
    ModelConfig config = all_configs()[0];
    config.vocab_size = int64_t(vocab.tokens.size());
    config.pad_id = 256;
    config.bos_id = 257;
    config.eos_id = 258;
    config.extra_eos_ids.clear();
    TransformerLM model(config);
    QTemporaryDir source, copy;
    save_model(source.path().toStdString(), model);
    write_json_file(source.filePath("tokenizer.json").toStdString(), bpe_tokenizer_json(vocab));
    write_json_file(source.filePath("tokenizer_config.json").toStdString(),
                    {{"bos_token", "<bos>"}, {"eos_token", "<eos>"}, {"pad_token", "<pad>"}});
    LoadedModel loaded = load_model(source.path().toStdString());
    const auto ids = loaded.tokenizer->encode("thunder bone");
    QVERIFY2(ids.size() < 8, "the folder's BPE vocabulary was not used");
    QCOMPARE(loaded.tokenizer->decode(ids), std::string("thunder bone"));

    save_model(copy.path().toStdString(), loaded.model, loaded.dir);
    QCOMPARE(load_model(copy.path().toStdString()).tokenizer->encode("thunder bone"), ids);

    nlohmann::json wrong = read_json_file(source.filePath("config.json").toStdString());
    wrong["eos_id"] = 1;
    write_json_file(source.filePath("config.json").toStdString(), wrong);
    try {
      load_model(source.path().toStdString());
      QFAIL("a tokenizer that disagrees with the config loaded");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("tokenizer.json: its eos_id is 258"), e.what());
      QVERIFY2(QString(e.what()).contains("config.json says eos_id 1"), e.what());
    }
  }

  void prompt_template_is_part_of_the_config() {
    ModelConfig config = all_configs()[0];
    config.prompt_template = PromptTemplate::Compact;
    const nlohmann::json j = to_json(config);
    QCOMPARE(j.at("prompt_template").get<std::string>(), std::string("compact"));
    QCOMPARE(model_config_from_json(j, "c.json").prompt_template, PromptTemplate::Compact);
    nlohmann::json without = j;
    without.erase("prompt_template");  // a config written before the field existed
    QCOMPARE(model_config_from_json(without, "c.json").prompt_template, PromptTemplate::Alpaca);
    QCOMPARE(builtin_model_config().prompt_template, PromptTemplate::Compact);
    nlohmann::json wrong = j;
    wrong["prompt_template"] = "chatml";
    try {
      model_config_from_json(wrong, "c.json");
      QFAIL("an unknown prompt template was accepted");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("c.json: field \"prompt_template\""), e.what());
      QVERIFY2(QString(e.what()).contains("alpaca, compact"), e.what());
    }
  }

  void corrupted_checkpoint_is_a_clear_error() {
    QTemporaryDir dir;
    TransformerLM model(all_configs()[0]);
    save_model(dir.path().toStdString(), model);
    QFile f(dir.filePath("model.safetensors"));
    QVERIFY(f.open(QIODevice::ReadWrite));
    f.resize(f.size() / 2);  // a truncated download
    f.close();
    try {
      load_model(dir.path().toStdString());
      QFAIL("a truncated checkpoint loaded");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("model.safetensors"), e.what());
    }
    try {
      load_model(dir.filePath("missing").toStdString());
      QFAIL("a missing folder loaded");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("does not exist"), e.what());
    }
  }

  void kv_cache_generation_equals_no_cache() {
    for (const auto& config : all_configs()) {
      TransformerLM model(config);
      model->eval();
      const AdapterId id = model->add_adapter("t", spec_all_linear());
      randomize_adapter(model, id);
      std::vector<TokenIds> prompts = {{1, 5, 9, 13}, {1, 7, 8, 9, 10, 11, 12, 20, 30}, {1, 40}};
      GenerationOptions options;
      options.max_new_tokens = 20;
      options.adapter = id;
      options.use_cache = true;
      const auto cached = generate(model, prompts, options);
      options.use_cache = false;
      const auto uncached = generate(model, prompts, options);
      QCOMPARE(cached, uncached);
      QCOMPARE(static_cast<int>(cached[0].size()), 20);  // a random model rarely emits EOS
      // A prompt generates the same continuation alone as in a batch with others.
      options.use_cache = true;
      QCOMPARE(generate(model, {prompts[1]}, options)[0], cached[1]);
    }
  }

  void sampling_is_deterministic_for_a_seed() {
    TransformerLM model(all_configs()[1]);
    GenerationOptions options;
    options.max_new_tokens = 15;
    options.temperature = 1.0;
    options.top_p = 0.9;
    options.seed = 7;
    const auto a = generate(model, {{1, 2, 3}}, options);
    const auto b = generate(model, {{1, 2, 3}}, options);
    QCOMPARE(a, b);
    options.seed = 8;
    QVERIFY(generate(model, {{1, 2, 3}}, options) != a);
  }

  void dropout_mask_keeps_the_expected_fraction_and_follows_the_seed() {
    const auto like = torch::zeros({64, 1000});
    torch::manual_seed(5);
    const auto a = dropout_mask(like, 0.25);
    torch::manual_seed(5);
    const auto b = dropout_mask(like, 0.25);
    const auto c = dropout_mask(like, 0.25);
    QVERIFY(torch::equal(a, b));
    QVERIFY(!torch::equal(a, c));
    QCOMPARE(a.sizes(), like.sizes());
    const double kept = (a > 0).to(torch::kDouble).mean().item<double>();
    QVERIFY2(std::abs(kept - 0.75) < 0.01, qPrintable(QString::number(kept)));
    // Inverted dropout: kept values are scaled so the mean is unchanged.
    QVERIFY(std::abs(a.max().item<double>() - 1.0 / 0.75) < 1e-6);
    QVERIFY(std::abs(a.mean().item<double>() - 1.0) < 0.02);

    // The fused form: the same values and gradient, bit for bit, as multiplying by the mask.
    const auto x0 = torch::randn({33, 129});  // not a multiple of the vector width
    auto x1 = x0.clone().requires_grad_(), x2 = x0.clone().requires_grad_();
    const auto weights = torch::randn({33, 129});
    torch::manual_seed(9);
    const auto y1 = x1 * dropout_mask(x1, 0.1);
    torch::manual_seed(9);
    const auto y2 = hashed_dropout(x2, 0.1);
    QVERIFY(torch::equal(y1, y2));
    (y1 * weights).sum().backward();
    (y2 * weights).sum().backward();
    QVERIFY(torch::equal(x1.grad(), x2.grad()));
    torch::manual_seed(9);
    QVERIFY(torch::equal(hashed_dropout(x0, 0.1), y1.detach()));  // no autograd: same values
  }

  void dropout_mask_is_the_same_from_either_kernel_build_and_any_split() {
    // The mask is a function of (seed, index): the generic build, the one this CPU picks, and
    // any split of the range over threads give the same bits; neighbours are independent.
    const int64_t n = 100003;
    const uint64_t seed = 0x123456789abcdefULL;
    std::vector<float> a(n), b(n), c(n);
    dropout::apply_mask(nullptr, a.data(), 0, n, seed, 0.3);
    dropout::generic::apply_mask(nullptr, b.data(), 0, n, seed, 0.3);
    for (int64_t first : {int64_t{0}, int64_t{7}, int64_t{50001}}) {
      const int64_t last = first == 0 ? 7 : (first == 7 ? 50001 : n);
      dropout::apply_mask(nullptr, c.data(), first, last, seed, 0.3);
    }
    QVERIFY(a == b);
    QVERIFY(a == c);
    int64_t kept = 0, both_kept = 0;
    for (int64_t i = 0; i + 1 < n; ++i) {
      kept += a[static_cast<size_t>(i)] > 0;
      both_kept += a[static_cast<size_t>(i)] > 0 && a[static_cast<size_t>(i) + 1] > 0;
    }
    const double rate = double(kept) / double(n - 1), pair = double(both_kept) / double(n - 1);
    QVERIFY2(std::abs(rate - 0.7) < 0.01, qPrintable(QString::number(rate)));
    QVERIFY2(std::abs(pair - 0.49) < 0.01, qPrintable(QString::number(pair)));
    // Another seed gives another mask; x is multiplied in place of 1.
    std::vector<float> d(n), x(n, 2.0f), e(n);
    dropout::apply_mask(nullptr, d.data(), 0, n, seed + 1, 0.3);
    QVERIFY(a != d);
    dropout::apply_mask(x.data(), e.data(), 0, n, seed, 0.3);
    for (int64_t i = 0; i < n; ++i) QCOMPARE(e[size_t(i)], 2.0f * a[size_t(i)]);
  }

  void contiguous_bmm_matches_bmm_with_gradients() {
    const auto a0 = torch::randn({6, 5, 4}), b0 = torch::randn({6, 7, 4}).transpose(1, 2);
    auto a1 = a0.clone().requires_grad_(), b1 = b0.clone().requires_grad_();
    auto a2 = a0.clone().requires_grad_(), b2 = b0.clone().requires_grad_();
    const auto weights = torch::randn({6, 5, 7});
    const auto y1 = torch::bmm(a1, b1), y2 = contiguous_bmm(a2, b2);
    QVERIFY(torch::allclose(y1, y2, 1e-5, 1e-6));
    (y1 * weights).sum().backward();
    (y2 * weights).sum().backward();
    QVERIFY(torch::allclose(a1.grad(), a2.grad(), 1e-5, 1e-6));
    QVERIFY(torch::allclose(b1.grad(), b2.grad(), 1e-5, 1e-6));
  }

  void fused_attention_matches_the_written_out_form() {
    // Right padding (training batches), left padding with rows that see no key at all, grouped
    // heads, lengths that are not a multiple of the vector width, and head sizes 32 and 64.
    struct Case {
      int64_t B, H, Hkv, T, D;
      bool left_padding;
    };
    for (const Case& c : {Case{3, 4, 4, 13, 32, false}, Case{2, 4, 2, 21, 64, true},
                          Case{2, 2, 1, 8, 32, true}, Case{1, 1, 1, 1, 32, false}}) {
      const auto lengths = torch::randint(1, c.T + 1, {c.B});
      lengths[0] = c.T;
      auto index = torch::arange(c.T).unsqueeze(0);
      auto key_mask =
          (c.left_padding ? index >= (c.T - lengths).unsqueeze(1) : index < lengths.unsqueeze(1))
              .to(torch::kLong);
      // [B, T, H, D] viewed as [B, H, T, D], as the transformer hands them over.
      auto q = torch::randn({c.B, c.T, c.H, c.D}).transpose(1, 2).requires_grad_();
      auto k = torch::randn({c.B, c.Hkv, c.T, c.D}).requires_grad_();
      auto v = torch::randn({c.B, c.Hkv, c.T, c.D}).requires_grad_();
      const double scale = 1.0 / std::sqrt(double(c.D));
      const auto fused = causal_attention(q, k, v, key_mask, scale);
      const auto reference = reference_attention(q, k, v, key_mask, scale);
      const auto visible = rows_with_a_visible_key(key_mask);
      QVERIFY(torch::allclose(fused * visible, reference * visible, 1e-5, 1e-5));
      QCOMPARE(max_diff(fused * (1 - visible), torch::zeros_like(fused)), 0.0);
      {  // without autograd the probabilities stay in scratch: the same output
        torch::NoGradGuard no_grad;
        QVERIFY(torch::equal(causal_attention(q, k, v, key_mask, scale), fused.detach()));
      }
      // Gradients, with rows that see nothing left out of the loss (they are never read).
      const auto weights = torch::randn(fused.sizes()) * visible;
      const auto g1 = torch::autograd::grad({(fused * weights).sum()}, {q, k, v});
      const auto g2 = torch::autograd::grad({(reference * weights).sum()}, {q, k, v});
      for (size_t i = 0; i < 3; ++i) {
        QVERIFY2(
            torch::allclose(g1[i], g2[i], 1e-4, 1e-5),
            qPrintable(QString("gradient %1 differs by %2").arg(i).arg(max_diff(g1[i], g2[i]))));
      }
    }
  }

  void cached_attention_matches_the_written_out_form() {
    // New queries over a cache: one decoded token and a chunk of three, left padding with early
    // queries that see no key, grouped heads, and keys and values inside larger buffers (as the
    // KV cache keeps them).
    torch::NoGradGuard no_grad;
    struct Case {
      int64_t B, H, Hkv, T, S, D;
    };
    for (const Case& c : {Case{3, 4, 4, 1, 23, 32}, Case{2, 4, 2, 3, 17, 64},
                          Case{2, 2, 1, 1, 5, 16}, Case{1, 1, 1, 2, 3, 32}}) {
      const auto padding = torch::randint(0, c.S, {c.B});
      padding[0] = c.S - c.T + 1;  // the first query of row 0 sees only padding
      const auto key_mask =
          (torch::arange(c.S).unsqueeze(0) >= padding.unsqueeze(1)).to(torch::kLong);
      const auto q = torch::randn({c.B, c.T, c.H, c.D}).transpose(1, 2);
      const auto k = torch::randn({c.B, c.Hkv, c.S + 9, c.D}).narrow(2, 0, c.S);
      const auto v = torch::randn({c.B, c.Hkv, c.S + 9, c.D}).narrow(2, 0, c.S);
      QVERIFY(cached_attention_applies(q, k, v));
      const double scale = 1.0 / std::sqrt(double(c.D));
      const auto cached = cached_attention(q, k, v, key_mask, scale);
      const auto reference = reference_attention(q, k, v, key_mask, scale);
      const auto visible = rows_with_a_visible_key(key_mask, c.T);
      QVERIFY2(torch::allclose(cached * visible, reference * visible, 1e-5, 1e-5),
               qPrintable(
                   QString("differs by %1").arg(max_diff(cached * visible, reference * visible))));
      QCOMPARE(max_diff(cached * (1 - visible), torch::zeros_like(cached)), 0.0);
    }
    // Training needs a backward, which this kernel does not have.
    const auto q = torch::randn({1, 1, 1, 32}).requires_grad_();
    const auto kv = torch::randn({1, 1, 4, 32});
    torch::AutoGradMode grad(true);
    QVERIFY(!cached_attention_applies(q, kv, kv));
  }

  void kv_cache_decoding_gives_the_full_forward_logits() {
    // Prefill, then one token at a time past the cache's first capacity (prompt + 64), with the
    // fused attentions on and off: every step's logits are those of one uncached forward.
    torch::NoGradGuard no_grad;
    TransformerLM model(fused_attention_config(PositionType::RoPE, 2));
    model->eval();
    const AdapterId id = model->add_adapter("a", spec_all_linear());
    randomize_adapter(model, id);
    const int64_t B = 3, P = 7, L = P + 80;
    auto ids = torch::randint(3, 97, {B, L}, torch::kLong);
    auto mask = torch::ones({B, L}, torch::kLong);
    mask[1].narrow(0, 0, 4).fill_(0);  // left padding, as generation has it
    mask[2].narrow(0, 0, P).fill_(0);  // a row whose whole prompt is padding
    const auto full = model->forward(ids, mask, nullptr, id) * mask.unsqueeze(-1);
    for (bool fused : {true, false}) {
      set_fused_attention_enabled(fused);
      KVCache cache = model->make_cache();
      std::vector<torch::Tensor> steps = {
          model->forward(ids.narrow(1, 0, P), mask.narrow(1, 0, P), &cache, id)};
      for (int64_t t = P; t < L; ++t) {
        steps.push_back(model->forward(ids.narrow(1, t, 1), mask.narrow(1, t, 1), &cache, id));
      }
      set_fused_attention_enabled(true);
      QCOMPARE(cache.length(), L);
      const auto decoded = torch::cat(steps, 1) * mask.unsqueeze(-1);
      QVERIFY2(
          torch::allclose(decoded, full, 1e-4, 1e-5),
          qPrintable(
              QString("fused %1: logits differ by %2").arg(fused).arg(max_diff(decoded, full))));
    }
  }

  void generic_attention_kernels_equal_the_dispatched_ones() {
    // The build a CPU without AVX2 runs gives the same numbers as the one this CPU picks.
    const int64_t T = 19, D = 64, Tp = attention::padded_length(T);
    auto rows = [&] { return torch::randn({T, D}); };
    const auto q = rows(), k = rows(), v = rows(), dout = rows();
    auto keep = torch::zeros({Tp});
    keep.narrow(0, 2, T - 2).fill_(1);  // two padding keys in front
    attention::HeadView head;
    head.q = q.data_ptr<float>(), head.k = k.data_ptr<float>(), head.v = v.data_ptr<float>();
    head.q_stride = head.k_stride = head.v_stride = D;
    head.key_keep = keep.data_ptr<float>();
    head.T = T, head.D = D, head.scale = 0.125f;
    std::vector<float> scratch(attention::scratch_floats(T, D));
    std::vector<torch::Tensor> results;
    for (bool generic : {false, true}) {
      auto probs = torch::zeros({T, Tp}), out = torch::zeros({T, D}), dq = torch::zeros({T, D}),
           dk = torch::zeros({T, D}), dv = torch::zeros({T, D});
      auto forward = generic ? attention::generic::forward : attention::forward;
      auto backward = generic ? attention::generic::backward : attention::backward;
      forward(head, probs.data_ptr<float>(), out.data_ptr<float>(), D, scratch.data());
      backward(head, probs.data_ptr<float>(), out.data_ptr<float>(), D, dout.data_ptr<float>(), D,
               dq.data_ptr<float>(), D, dk.data_ptr<float>(), dv.data_ptr<float>(), D,
               scratch.data());
      for (const auto& t : {probs, out, dq, dk, dv}) results.push_back(t);
    }
    for (size_t i = 0; i < 5; ++i) {
      QVERIFY2(
          torch::allclose(results[i], results[i + 5], 1e-5, 1e-6),
          qPrintable(
              QString("output %1 differs by %2").arg(i).arg(max_diff(results[i], results[i + 5]))));
    }
    // Rows 0 and 1 see only padding: zeros. Row 2 sees one real key: all its weight.
    QCOMPARE(results[0][0].abs().sum().item<double>(), 0.0);
    QCOMPARE(results[0][2][2].item<double>(), 1.0);
  }

  void transformer_gives_the_same_with_and_without_fused_attention() {
    // Logits and every LoRA gradient, for a right-padded training batch and a left-padded one.
    for (const auto& config : {fused_attention_config(PositionType::RoPE, 4),
                               fused_attention_config(PositionType::Learned, 2)}) {
      TransformerLM model(config);
      const AdapterId id = model->add_adapter("a", spec_all_linear());
      randomize_adapter(model, id);
      const auto params = model->adapter_parameters(id);
      for (auto p : params) p.set_requires_grad(true);
      auto ids = torch::randint(3, 97, {3, 17}, torch::kLong);
      auto right = torch::ones({3, 17}, torch::kLong);
      right[1].narrow(0, 11, 6).fill_(0);
      auto [left_ids, left] = padded_batch();
      for (const auto& [batch, mask] : {std::pair{ids, right}, std::pair{left_ids, left}}) {
        std::vector<torch::Tensor> logits, grads;
        for (bool fused : {false, true}) {
          set_fused_attention_enabled(fused);
          auto out = model->forward(batch, mask, nullptr, id);
          auto g = torch::autograd::grad({(out * mask.unsqueeze(-1)).pow(2).sum()}, params);
          logits.push_back(out.detach() * mask.unsqueeze(-1));
          grads.push_back(torch::cat([&] {
            std::vector<torch::Tensor> flat;
            for (const auto& t : g) flat.push_back(t.flatten());
            return flat;
          }()));
        }
        set_fused_attention_enabled(true);
        QVERIFY2(torch::allclose(logits[0], logits[1], 1e-4, 1e-5),
                 qPrintable(QString("logits differ by %1").arg(max_diff(logits[0], logits[1]))));
        QVERIFY2(torch::allclose(grads[0], grads[1], 1e-3, 1e-4),
                 qPrintable(QString("gradients differ by %1").arg(max_diff(grads[0], grads[1]))));
      }
    }
  }

  void gemm_products_match_libtorch() {
    // Plain, transposed and sliced operands, single rows and empty sides; the operands are left
    // as they were. Where this build has no oneDNN both paths are LibTorch's.
    const auto big = torch::randn({40, 50});
    const std::vector<std::pair<torch::Tensor, torch::Tensor>> cases = {
        {torch::randn({13, 24}), torch::randn({24, 40})},
        {torch::randn({13, 24}), torch::randn({40, 24}).t()},
        {torch::randn({24, 13}).t(), torch::randn({24, 40})},
        {torch::randn({1, 24}), torch::randn({40, 24}).t()},
        {big.narrow(1, 3, 24).narrow(0, 0, 13), big.narrow(0, 5, 24).narrow(1, 7, 9)},
        {big.narrow(1, 3, 24).narrow(0, 0, 13), big.narrow(1, 5, 24).narrow(0, 1, 9).t()},
        {torch::randn({0, 24}), torch::randn({24, 40})},
        {torch::randn({13, 0}), torch::randn({0, 40})},
        {torch::randn({26, 24}).slice(0, 0, 26, 2), torch::randn({24, 40})},  // rows 48 apart
    };
    for (bool onednn : {true, false}) {
      gemm::set_enabled(onednn);
      for (const auto& [a, b] : cases) {
        const auto a0 = a.clone(), b0 = b.clone();
        const auto expected = torch::mm(a, b);
        QVERIFY2(torch::allclose(gemm::product(a, b), expected, 1e-5, 1e-5),
                 qPrintable(
                     QString("[%1, %2] x [%2, %3]").arg(a.size(0)).arg(a.size(1)).arg(b.size(1))));
        auto out = torch::randn({a.size(0), b.size(1)});
        const auto before = out.clone();
        gemm::add_product(out, a, b);
        QVERIFY(torch::allclose(out, before + expected, 1e-5, 1e-5));
        QVERIFY(torch::equal(a, a0) && torch::equal(b, b0));
      }
      // Mismatched shapes are LibTorch's error, never a write out of bounds.
      auto small = torch::zeros({2, 3});
      QVERIFY_THROWS_EXCEPTION(c10::Error, gemm::product(torch::ones({2, 4}), torch::ones({5, 3})));
      QVERIFY_THROWS_EXCEPTION(c10::Error,
                               gemm::add_product(small, torch::ones({4, 4}), torch::ones({4, 3})));
    }
    gemm::set_enabled(true);
  }

  void dense_linear_matches_libtorch_linear() {
    // Values and every gradient, with and without a bias, for a batch and for the single row of a
    // decoding step; the weight and bias are never written (a single row's output must not alias
    // the bias it starts from).
    for (bool onednn : {true, false}) {
      gemm::set_enabled(onednn);
      for (bool with_bias : {true, false}) {
        for (const auto& shape : std::vector<std::vector<int64_t>>{{3, 7, 24}, {1, 1, 24}}) {
          const auto weight = torch::randn({40, 24}).requires_grad_(true);
          const auto bias = with_bias ? torch::randn({40}).requires_grad_(true) : torch::Tensor();
          const auto x = torch::randn(shape).requires_grad_(true);
          const auto weight0 = weight.detach().clone();
          const auto bias0 = with_bias ? bias.detach().clone() : torch::Tensor();
          std::vector<torch::Tensor> inputs = {x, weight};
          if (with_bias) inputs.push_back(bias);
          auto dy_shape = shape;
          dy_shape.back() = 40;
          const auto dy = torch::randn(dy_shape);
          const auto ours = dense_linear(x, weight, bias);
          const auto theirs = torch::nn::functional::linear(x, weight, bias);
          QCOMPARE(ours.sizes(), theirs.sizes());
          QVERIFY(torch::allclose(ours, theirs, 1e-5, 1e-5));
          const auto g1 = torch::autograd::grad({ours}, inputs, {dy});
          const auto g2 = torch::autograd::grad({theirs}, inputs, {dy});
          for (size_t i = 0; i < g1.size(); ++i) {
            QVERIFY2(torch::allclose(g1[i], g2[i], 1e-4, 1e-5),
                     qPrintable(
                         QString("gradient %1 differs by %2").arg(i).arg(max_diff(g1[i], g2[i]))));
          }
          {
            torch::NoGradGuard no_grad;  // inference takes the path without an autograd node
            QVERIFY(torch::allclose(dense_linear(x, weight, bias), theirs, 1e-5, 1e-5));
            QVERIFY(torch::allclose(dense_linear(x, weight, bias), theirs, 1e-5, 1e-5));
          }
          QVERIFY(torch::equal(weight.detach(), weight0));
          if (with_bias) QVERIFY(torch::equal(bias.detach(), bias0));
        }
      }
    }
    gemm::set_enabled(true);
  }

  void half_weights_under_fp32_activations_are_widened_per_product() {
    // fp16 weights on a CPU (and bf16 ones without native bf16) meet FP32 activations: the
    // product and the input gradient equal FP32's on the widened weight. The weight spans
    // several of the 64 MiB slices it is widened in, and no FP32 copy of it stays behind.
    torch::manual_seed(3);
    const auto weight = (torch::randn({9000, 4096}) * 0.02).to(torch::kHalf);
    const auto bias = torch::randn({9000}).to(torch::kHalf);
    const auto x = torch::randn({2, 3, 4096}).requires_grad_(true);
    const auto x_ref = x.detach().clone().requires_grad_(true);
    const auto y = dense_linear(x, weight, bias);
    const auto y_ref =
        torch::nn::functional::linear(x_ref, weight.to(torch::kFloat), bias.to(torch::kFloat));
    QCOMPARE(y.scalar_type(), torch::kFloat);
    QVERIFY(torch::allclose(y, y_ref, 1e-4, 1e-4));
    const auto r = torch::randn_like(y);
    (y * r).sum().backward();
    (y_ref * r).sum().backward();
    QVERIFY(torch::allclose(x.grad(), x_ref.grad(), 1e-4, 1e-4));
    {
      torch::NoGradGuard no_grad;
      QVERIFY(torch::allclose(dense_linear(x, weight, bias), y_ref, 1e-4, 1e-4));
    }
  }

  void fused_lora_matches_the_written_out_path() {
    // Output and every gradient, with and without dropout, a bias (rank 1 has none) and a
    // trainable base weight, for ranks from 1 to the kernels' largest; the same seed gives the
    // same mask on either path.
    for (int64_t rank : {1, 8, 16}) {
      for (double p : {0.0, 0.3}) {
        for (bool base_trains : {false, true}) {
          LoraLinear layer(24, 40, /*bias=*/rank != 1);
          LoraSpec spec;
          spec.rank = rank;
          spec.alpha = 2.0 * static_cast<double>(rank);
          spec.dropout = p;
          layer->add_adapter(0, "a", spec);
          torch::NoGradGuard no_grad;
          layer->lora_B(0).normal_(0.0, 0.1);
          layer->weight.set_requires_grad(base_trains);
          if (layer->bias.defined()) layer->bias.set_requires_grad(base_trains);
          layer->lora_A(0).set_requires_grad(true);
          layer->lora_B(0).set_requires_grad(true);
          QVERIFY(fused_lora_applies(torch::zeros({1, 24}), layer->weight, layer->lora_A(0),
                                     layer->lora_B(0)));
          const auto x = torch::randn({3, 7, 24});
          const auto dy = torch::randn({3, 7, 40});
          std::vector<torch::Tensor> inputs = {layer->lora_A(0), layer->lora_B(0)};
          if (base_trains) inputs.push_back(layer->weight);
          if (base_trains && layer->bias.defined()) inputs.push_back(layer->bias);
          std::vector<std::vector<torch::Tensor>> results;
          for (bool fused : {false, true}) {
            set_fused_lora_enabled(fused);
            torch::AutoGradMode grad_mode(true);
            const auto xi = x.clone().requires_grad_(true);
            torch::manual_seed(7);
            const auto y = layer->forward(xi, 0);
            auto all = inputs;
            all.push_back(xi);
            auto grads = torch::autograd::grad({y}, all, {dy});
            grads.push_back(y.detach());
            results.push_back(grads);
          }
          set_fused_lora_enabled(true);
          for (size_t i = 0; i < results[0].size(); ++i) {
            QVERIFY2(torch::allclose(results[0][i], results[1][i], 1e-4, 1e-5),
                     qPrintable(QString("rank %1, p %2: result %3 differs by %4")
                                    .arg(rank)
                                    .arg(p)
                                    .arg(i)
                                    .arg(max_diff(results[0][i], results[1][i]))));
          }
          if (p > 0) {
            // The mask is applied: evaluation mode (no dropout) answers differently.
            layer->eval();
            const auto clean = layer->forward(x, 0);
            layer->train();
            QVERIFY(max_diff(clean, results[1].back()) > 1e-3);
          }
        }
      }
    }
  }

  void generic_lora_kernels_equal_the_dispatched_ones() {
    // 48 columns take the AVX-512 build where the CPU has it (16 floats a vector), 40 the AVX2
    // one; the mask bits one build records, the others read back.
    for (const int64_t cols : {48, 40}) {
      const int64_t n = 37, r = 5;
      const auto x = torch::randn({n, cols}), a = torch::randn({r, cols}), t = torch::randn({n, r}),
                 bias = torch::randn({cols});
      const dropout::MaskKey key(99, 0.25);
      for (bool dropout : {false, true}) {
        std::vector<torch::Tensor> results;
        for (bool generic : {false, true}) {
          auto down_out = torch::zeros({n, r}), y = torch::ones({n, cols}),
               outer_out = torch::zeros({r, cols});
          auto bits = torch::zeros({lora::mask_bytes(n, cols)}, torch::kUInt8);
          auto down = generic ? lora::generic::down : lora::down;
          auto up = generic ? lora::generic::up : lora::up;
          auto outer = generic ? lora::generic::outer : lora::outer;
          down(x.data_ptr<float>(), dropout ? &key : nullptr, bits.data_ptr<uint8_t>(),
               a.data_ptr<float>(), down_out.data_ptr<float>(), cols, r, 0, n);
          lora::MaskBits mask;
          if (dropout) mask = {bits.data_ptr<uint8_t>(), key.keep};
          up(t.data_ptr<float>(), a.data_ptr<float>(), mask, bias.data_ptr<float>(),
             y.data_ptr<float>(), cols, r, 0.5f, 0, n);
          outer(x.data_ptr<float>(), mask, t.data_ptr<float>(), outer_out.data_ptr<float>(), cols,
                r, n, 2.0f, 0, cols);
          results.insert(results.end(), {down_out, y, outer_out});
        }
        // And against plain tensor maths with the mask the dropout kernels make.
        auto m = torch::ones({n, cols});
        if (dropout) dropout::apply_mask(nullptr, m.data_ptr<float>(), 0, n * cols, 99, 0.25);
        const std::vector<torch::Tensor> expected = {torch::mm(x * m, a.t()),
                                                     bias + 0.5 * torch::mm(t, a) * m,
                                                     2.0 * torch::mm(t.t(), x * m)};
        for (size_t i = 0; i < 3; ++i) {
          QVERIFY2(torch::allclose(results[i], results[i + 3], 1e-5, 1e-5),
                   qPrintable(QString("kernel %1: builds differ").arg(i)));
          QVERIFY2(torch::allclose(results[i], expected[i], 1e-4, 1e-4),
                   qPrintable(QString("kernel %1 differs from the tensor maths by %2")
                                  .arg(i)
                                  .arg(max_diff(results[i], expected[i]))));
        }
      }
    }
  }

  void gelu_matches_libtorch_forward_and_backward() {
    // Values across the range that matters, the far tails and exact zero, with a length that
    // leaves a tail after the last full vector.
    auto x = torch::cat({torch::linspace(-12, 12, 4001), torch::randn({1003}) * 3,
                         torch::tensor({0.0f, -0.0f, 30.0f, -30.0f, 1e-8f, -1e-8f})});
    const auto dy = torch::randn(x.sizes());
    const auto ours_in = x.clone().requires_grad_(true);
    const auto ref_in = x.clone().requires_grad_(true);
    const auto ours = gelu_exact(ours_in);
    const auto ref = torch::gelu(ref_in);
    const auto ours_grad = torch::autograd::grad({ours}, {ours_in}, {dy})[0];
    const auto ref_grad = torch::autograd::grad({ref}, {ref_in}, {dy})[0];
    QVERIFY2(torch::allclose(ours, ref, 1e-5, 1e-6),
             qPrintable(QString("forward differs by %1").arg(max_diff(ours, ref))));
    QVERIFY2(torch::allclose(ours_grad, ref_grad, 1e-5, 1e-6),
             qPrintable(QString("backward differs by %1").arg(max_diff(ours_grad, ref_grad))));
    // The build a CPU without AVX2 runs gives the same numbers as the one this CPU picks.
    const int64_t n = x.numel();
    auto y1 = torch::empty_like(x), y2 = torch::empty_like(x);
    auto d1 = torch::empty_like(x), d2 = torch::empty_like(x);
    gelu::forward(x.data_ptr<float>(), y1.data_ptr<float>(), 0, n);
    gelu::generic::forward(x.data_ptr<float>(), y2.data_ptr<float>(), 0, n);
    gelu::backward(x.data_ptr<float>(), dy.data_ptr<float>(), d1.data_ptr<float>(), 0, n);
    gelu::generic::backward(x.data_ptr<float>(), dy.data_ptr<float>(), d2.data_ptr<float>(), 0, n);
    QVERIFY(torch::allclose(y1, y2, 1e-6, 1e-7));
    QVERIFY(torch::allclose(d1, d2, 1e-6, 1e-7));
  }

  void rope_matches_the_written_out_form() {
    // Queries as attention gets them: a strided [B, H, T, D] view of the projection's output,
    // with positions that differ per sequence (left padding), forward and backward.
    for (int64_t D : {8, 32}) {
      const int64_t B = 2, H = 3, T = 5;
      const auto base = torch::randn({B, T, H * D});
      const auto positions =
          torch::tensor({0, 1, 2, 3, 4, 0, 0, 0, 1, 2}, torch::kLong).view({B, T});
      const auto [cos, sin] = rope_tables(positions, D, 10000.0);
      const auto dy = torch::randn({B, H, T, D});
      std::vector<torch::Tensor> outs, grads;
      for (bool fused : {false, true}) {
        const auto in = base.clone().requires_grad_(true);
        const auto x = in.view({B, T, H, D}).transpose(1, 2);
        const auto y = fused ? apply_rope(x, cos, sin) : apply_rope_written_out(x, cos, sin);
        grads.push_back(torch::autograd::grad({y}, {in}, {dy})[0]);
        outs.push_back(y.detach());
      }
      QVERIFY2(
          torch::allclose(outs[0], outs[1], 1e-6, 1e-6),
          qPrintable(QString("D %1: outputs differ by %2").arg(D).arg(max_diff(outs[0], outs[1]))));
      QVERIFY2(
          torch::allclose(grads[0], grads[1], 1e-6, 1e-6),
          qPrintable(
              QString("D %1: gradients differ by %2").arg(D).arg(max_diff(grads[0], grads[1]))));
    }
  }

  void training_step_is_the_same_with_and_without_the_fused_lora_node() {
    // A whole model in training mode, adapter dropout on: the loss's gradients for every adapter
    // parameter agree, so the node draws the same masks in the same order as the written-out
    // layers.
    TransformerLM model(fused_attention_config(PositionType::RoPE, 4));
    LoraSpec spec = spec_all_linear();
    spec.dropout = 0.1;
    const AdapterId id = model->add_adapter("a", spec);
    randomize_adapter(model, id);
    const auto params = model->adapter_parameters(id);
    for (auto p : params) p.set_requires_grad(true);
    model->train();
    auto [ids, mask] = padded_batch();
    std::vector<torch::Tensor> losses, grads;
    for (bool fused : {false, true}) {
      set_fused_lora_enabled(fused);
      torch::manual_seed(11);
      const auto loss = (model->forward(ids, mask, nullptr, id) * mask.unsqueeze(-1)).pow(2).mean();
      std::vector<torch::Tensor> flat;
      for (const auto& g : torch::autograd::grad({loss}, params)) flat.push_back(g.flatten());
      losses.push_back(loss.detach());
      grads.push_back(torch::cat(flat));
    }
    set_fused_lora_enabled(true);
    QVERIFY2(torch::allclose(losses[0], losses[1], 1e-5, 1e-6),
             qPrintable(QString("losses differ by %1").arg(max_diff(losses[0], losses[1]))));
    QVERIFY2(torch::allclose(grads[0], grads[1], 1e-3, 1e-5),
             qPrintable(QString("gradients differ by %1").arg(max_diff(grads[0], grads[1]))));
  }

  void training_step_is_the_same_with_and_without_onednn() {
    // A whole model, every base parameter and an adapter trained: oneDNN's products give the
    // loss and gradients that LibTorch's BLAS gives (to float rounding). Without oneDNN in the
    // build both sides are LibTorch's.
    for (const auto& config : {fused_attention_config(PositionType::RoPE, 4), all_configs()[0]}) {
      TransformerLM model(config);
      const AdapterId id = model->add_adapter("a", spec_all_linear());
      randomize_adapter(model, id);
      std::vector<torch::Tensor> params;
      for (const auto& p : model->parameters()) {
        p.set_requires_grad(true);
        params.push_back(p);
      }
      model->train();
      auto [ids, mask] = padded_batch();
      std::vector<torch::Tensor> losses, grads;
      for (bool onednn : {false, true}) {
        gemm::set_enabled(onednn);
        torch::manual_seed(11);
        const auto loss =
            (model->forward(ids, mask, nullptr, id) * mask.unsqueeze(-1)).pow(2).mean();
        std::vector<torch::Tensor> flat;
        for (const auto& g : torch::autograd::grad({loss}, params, {}, false, false, true)) {
          if (g.defined()) flat.push_back(g.flatten());
        }
        losses.push_back(loss.detach());
        grads.push_back(torch::cat(flat));
      }
      gemm::set_enabled(true);
      QVERIFY2(torch::allclose(losses[0], losses[1], 1e-5, 1e-6),
               qPrintable(QString("losses differ by %1").arg(max_diff(losses[0], losses[1]))));
      QVERIFY2(torch::allclose(grads[0], grads[1], 1e-3, 1e-5),
               qPrintable(QString("gradients differ by %1").arg(max_diff(grads[0], grads[1]))));
    }
  }

  void bad_lora_settings_are_refused() {
    TransformerLM model(all_configs()[0]);
    LoraSpec spec;
    spec.target_modules = {"no_such_layer"};
    try {
      model->add_adapter("x", spec);
      QFAIL("an adapter targeting nothing was accepted");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("target_modules"), e.what());
      QVERIFY2(QString(e.what()).contains("qkv_proj"), e.what());  // lists what exists
    }
    spec = LoraSpec();
    spec.rank = 0;
    QVERIFY_THROWS_EXCEPTION(Error, model->add_adapter("y", spec));
  }
};

QTEST_APPLESS_MAIN(TestModel)
#include "test_model.moc"
