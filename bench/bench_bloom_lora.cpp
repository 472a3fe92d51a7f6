// bench_bloom_lora: one LoRA training step (r 64 on query_key_value) on a randomly initialised
// BLOOM-1.1B-shaped model — the size the SwitchCIT paper trained its experts on — with tokens/s and
// peak resident memory, to show the step fits this machine's memory. With --peer PYTHON it runs
// the same step through PyTorch + PEFT (bench/peers/peft_lora_step.py) in the same invocation, so
// both figures come from the same machine under the same load.
// Usage: bench_bloom_lora [--precision fp32|bf16|both] [--seq N] [--batch N] [--steps N]
//                         [--threads N] [--peer PYTHON]
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include <torch/utils.h>

#include "bench/bench_util.h"
#include "engine/model/lora.h"
#include "engine/model/model_config.h"
#include "engine/model/precision.h"
#include "engine/model/transformer.h"
#include "engine/train/batching.h"
#include "engine/train/trainer.h"
#include "engine/util/device.h"

namespace {

using sy::bench::fixed;

// bigscience/bloom-1b1: 24 layers, width 1536, 16 heads, vocab 250880, ALiBi, embedding
// LayerNorm, fused per-head query_key_value, tanh-GELU, tied embeddings (1.07 B parameters).
sy::ModelConfig bloom_1b1_config() {
  sy::ModelConfig c;
  c.family = "bloom";
  c.vocab_size = 250880;
  c.n_layer = 24;
  c.n_head = 16;
  c.n_kv_head = 16;
  c.d_model = 1536;
  c.d_ff = 4 * 1536;
  c.max_seq_len = 2048;
  c.norm = sy::NormType::LayerNorm;
  c.norm_eps = 1e-5;
  c.position = sy::PositionType::ALiBi;
  c.mlp = sy::MlpType::GELUTanh;
  c.fused_qkv = true;
  c.embed_norm = true;
  c.tie_embeddings = true;
  c.bos_id = 1;
  c.eos_id = 2;
  c.pad_id = 3;
  c.validate("the BLOOM-1.1B benchmark config");
  return c;
}

struct Options {
  std::vector<sy::Precision> precisions = {sy::Precision::FP32, sy::Precision::BF16};
  int64_t seq = 128;
  int64_t batch = 1;
  int64_t steps = 2;  // timed steps, after one warm-up step
  std::string peer;   // a Python with torch + peft, or empty
};

struct Row {
  std::string who, precision;
  int64_t trained = 0, total = 0;
  double tokens_per_s = 0, seconds_per_step = 0;
  int64_t peak_rss_kib = -1;
  double first_loss = 0, last_loss = 0;
};

Row run_ours(const Options& o, sy::Precision precision) {
  Row row;
  row.who = "Switchyard (LibTorch " + std::string(TORCH_VERSION) + ")";
  row.precision = sy::precision_name(precision);
  sy::bench::reset_peak_rss();
  torch::manual_seed(0);
  sy::TransformerLM model(bloom_1b1_config());
  {
    // BLOOM initialises its embedding (tied to the output) with std 0.02, as the peer does;
    // LibTorch's N(0, 1) would start the loss near 27 instead of ln(250880) = 12.4.
    torch::NoGradGuard no_grad;
    model->tok_emb->weight.normal_(0.0, 0.02);
  }
  sy::LoraSpec spec;
  spec.rank = 64;
  spec.alpha = 128;
  spec.dropout = 0.0;
  spec.target_modules = {"qkv_proj"};
  const auto target = sy::adapter_target(model, model->add_adapter("bench", spec));
  row.total = sy::count_parameters(model->parameters());
  row.trained = sy::count_parameters(target.parameters);

  // Half prompt, half response: the loss covers the response tokens, as in instruction tuning.
  std::mt19937_64 rng(0);
  std::vector<sy::EncodedExample> data;
  for (int64_t i = 0; i < o.batch; ++i) {
    sy::EncodedExample e;
    e.prompt = sy::bench::random_ids(rng, static_cast<size_t>(o.seq / 2), 4, 250880);
    e.response = sy::bench::random_ids(rng, static_cast<size_t>(o.seq - o.seq / 2), 4, 250880);
    data.push_back(std::move(e));
  }
  sy::TrainOptions options;
  options.steps = 1 + o.steps;
  options.batch_size = o.batch;
  options.lr = 1e-4;
  options.precision = precision;
  double start_s = 0;
  auto on_step = [&](const sy::TrainStep& s) {
    std::fprintf(stderr, "  ours %s: step %lld/%lld loss %.3f (%.1f s)\n", row.precision.c_str(),
                 static_cast<long long>(s.step), static_cast<long long>(s.total_steps), s.loss,
                 s.elapsed_s);
    if (s.step == 1) start_s = s.elapsed_s;
    if (s.step == s.total_steps) {
      row.seconds_per_step = (s.elapsed_s - start_s) / static_cast<double>(o.steps);
    }
  };
  const auto result = sy::train(model, data, target, options, on_step);
  row.tokens_per_s = static_cast<double>(o.batch * o.seq) / row.seconds_per_step;
  row.first_loss = result.losses.front();
  row.last_loss = result.losses.back();
  row.peak_rss_kib = sy::bench::status_kib("VmHWM");
  return row;
}

// Runs the peer script; it prints one line "tokens_per_s seconds_per_step peak_rss_kib
// trained total first_loss last_loss" on stdout.
bool run_peer(const Options& o, sy::Precision precision, Row& row) {
  row.who = "PyTorch + PEFT";
  row.precision = sy::precision_name(precision);
  const std::string script = std::string(SWITCHYARD_SOURCE_DIR) + "/bench/peers/peft_lora_step.py";
  const std::string command = o.peer + " " + sy::bench::shell_quote(script) + " --precision " +
                              row.precision + " --seq " + std::to_string(o.seq) + " --batch " +
                              std::to_string(o.batch) + " --steps " + std::to_string(o.steps) +
                              " --threads " + std::to_string(at::get_num_threads());
  const std::string line = sy::bench::run_peer_command(command);
  long long trained = 0, total = 0, rss = 0;
  const int n =
      std::sscanf(line.c_str(), "%lf %lf %lld %lld %lld %lf %lf", &row.tokens_per_s,
                  &row.seconds_per_step, &rss, &trained, &total, &row.first_loss, &row.last_loss);
  row.peak_rss_kib = rss;
  row.trained = trained;
  row.total = total;
  return n == 7;
}

std::string millions(int64_t n) {
  return fixed(static_cast<double>(n) / 1e6, 1) + " M";
}

int usage(const char* why) {
  std::fprintf(stderr,
               "bench_bloom_lora: %s\nusage: bench_bloom_lora [--precision fp32|bf16|both] "
               "[--seq N] [--batch N] [--steps N] [--threads N] [--peer PYTHON]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string threads;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--precision" && has_value) {
      const std::string p = argv[++i];
      if (p == "both") continue;
      if (p != "fp32" && p != "bf16") return usage("--precision expects fp32, bf16 or both");
      o.precisions = {sy::parse_precision(p, "--precision")};
    } else if ((arg == "--seq" || arg == "--batch" || arg == "--steps") && has_value) {
      const int64_t v = std::atoll(argv[++i]);
      if (v <= 0) return usage((arg + " expects a positive whole number").c_str());
      (arg == "--seq" ? o.seq : arg == "--batch" ? o.batch : o.steps) = v;
    } else if (arg == "--threads" && has_value) {
      threads = argv[++i];
    } else if (arg == "--peer" && has_value) {
      o.peer = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      return usage("times one LoRA step of a BLOOM-1.1B-shaped model");
    } else {
      return usage(("unknown or incomplete option \"" + arg + "\"").c_str());
    }
  }
  try {
    if (!sy::bench::start_benchmark(threads)) {
      return usage("--threads expects a positive whole number");
    }
    std::vector<std::vector<std::string>> rows = {
        {"implementation", "precision", "params (trained / total)", "tokens/step", "s/step",
         "tokens/s", "peak RSS MiB", "loss first -> last"}};
    auto add = [&](const Row& r) {
      rows.push_back({r.who, r.precision, millions(r.trained) + " / " + millions(r.total),
                      std::to_string(o.batch * o.seq), fixed(r.seconds_per_step, 2),
                      fixed(r.tokens_per_s, 1), sy::bench::mib_text(r.peak_rss_kib),
                      fixed(r.first_loss, 3) + " -> " + fixed(r.last_loss, 3)});
    };
    for (const auto precision : o.precisions) {
      std::fprintf(stderr, "running ours, %s\n", sy::precision_name(precision).c_str());
      add(run_ours(o, precision));
      if (!o.peer.empty()) {
        std::fprintf(stderr, "running the PyTorch + PEFT peer, %s\n",
                     sy::precision_name(precision).c_str());
        Row peer;
        if (run_peer(o, precision, peer)) {
          add(peer);
        } else {
          std::fprintf(stderr, "the peer failed (is %s a Python with torch and peft?)\n",
                       o.peer.c_str());
        }
      }
    }
    std::printf(
        "One LoRA training step (r 64, alpha 128, on query_key_value) of a randomly initialised "
        "BLOOM-1.1B shape; one warm-up step excluded; peak RSS is each process's VmHWM (ours "
        "reset before building the model):\n\n");
    sy::bench::print_table(rows);
    std::printf("\nload average at end: %s\n", sy::bench::load_average().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_bloom_lora: %s\n", e.what());
    return 1;
  }
  return 0;
}
