// bench_train: training throughput of the engine's trainer (sy::train) on the CPU — real tokens
// per second, milliseconds per optimizer step and peak resident memory — for LoRA and full
// fine-tuning of the built-in byte-level model and of a randomly initialised GPT-2-small shape.
// With --peer PYTHON each builtin row is followed by the same training steps in plain PyTorch
// (bench/peers/builtin_train_step.py) on the very batches ours trained on, written to a temporary
// file, so both figures come from the same machine under the same load.
// Usage: bench_train [--quick] [--only builtin|gpt2] [--precision fp32|bf16|both] [--threads N]
//                    [--steps N] [--peer PYTHON]
// SY_PROFILE=PREFIX writes a Chrome trace of each row to PREFIX.<mode>.<precision>.trace.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/utils.h>

#include "bench/bench_util.h"
#include "engine/data/builtin_tasks.h"
#include "engine/kernels/precision.h"
#include "engine/model/lora.h"
#include "engine/model/model_config.h"
#include "engine/model/transformer.h"
#include "engine/tokenizer/byte_tokenizer.h"
#include "engine/train/batching.h"
#include "engine/train/trainer.h"
#include "engine/util/device.h"
#include "engine/util/error.h"

namespace {

using sy::bench::fixed;

struct Case {
  std::string model;  // "builtin" or "gpt2-small"
  std::string mode;   // "LoRA r8 (...)" or "full"
  sy::ModelConfig config;
  bool lora = false;
  sy::LoraSpec spec;
  const std::vector<sy::EncodedExample>* data = nullptr;
  int64_t batch = 16;
  int64_t warmup = 2;
  int64_t steps = 20;
  sy::Precision precision = sy::Precision::FP32;
};

struct Measured {
  bool peak_reset = false;
  int64_t total_params = 0;
  int64_t trained_params = 0;
  double seconds = 0;  // the timed steps only
  double tokens = 0;   // real (non-padding) tokens in the timed steps
  double first_loss = 0, last_loss = 0;
  int64_t peak_rss_kib = -1;
  int64_t all_tokens = 0;  // real tokens of every step, warm-up included
};

// What sy::train is asked to do for a row; the peer's batches are planned from the same options.
sy::TrainOptions train_options(const Case& c) {
  sy::TrainOptions options;
  options.steps = c.warmup + c.steps;
  options.batch_size = c.batch;
  options.lr = 1e-4;
  options.seed = 0;
  options.precision = c.precision;
  return options;
}

Measured run_case(const Case& c) {
  Measured m;
  m.peak_reset = sy::bench::reset_peak_rss();
  torch::manual_seed(0);
  sy::TransformerLM model(c.config);
  sy::TrainTarget target;
  if (c.lora) {
    target = sy::adapter_target(model, model->add_adapter("bench", c.spec));
  } else {
    target = sy::full_finetune_target(model);
  }
  m.total_params = sy::count_parameters(model->parameters());
  m.trained_params = sy::count_parameters(target.parameters);

  const sy::TrainOptions options = train_options(c);
  // One train() call: the optimizer's state exists before the timed steps start, as in a real run.
  double start_s = 0, start_tokens = 0;
  auto on_step = [&](const sy::TrainStep& s) {
    const double tokens = s.tokens_per_s * s.elapsed_s;
    if (s.step == c.warmup) start_s = s.elapsed_s, start_tokens = tokens;
    if (s.step == s.total_steps) {
      m.seconds = s.elapsed_s - start_s;
      m.tokens = tokens - start_tokens;
    }
    std::fprintf(stderr, "  %s %s: step %lld/%lld loss %.3f\n", c.model.c_str(), c.mode.c_str(),
                 static_cast<long long>(s.step), static_cast<long long>(s.total_steps), s.loss);
  };
  const char* profile = std::getenv("SY_PROFILE");
  std::unique_ptr<torch::autograd::profiler::RecordProfile> recorder;
  if (profile) {
    recorder = std::make_unique<torch::autograd::profiler::RecordProfile>(
        std::string(profile) + "." + (c.lora ? "lora" : "full") + "." +
        sy::precision_name(c.precision) + ".trace");
  }
  const auto result = sy::train(model, *c.data, target, options, on_step);
  recorder.reset();
  m.first_loss = result.losses.front();
  m.last_loss = result.losses.back();
  m.peak_rss_kib = sy::bench::status_kib("VmHWM");
  m.all_tokens = result.tokens;
  return m;
}

// Writes the batches sy::train draws for `c`, in its order, for the peer: "SYBATCH1", int64 count,
// then per batch int64 B, int64 T and B*T int64 each of input ids, attention mask and labels
// (native byte order). The batches are the trainer's own BatchStream (grad_accum 1, the options'
// seed, the model's context length). Returns the batches' real tokens, which the caller compares
// with what train() counted.
int64_t write_peer_batches(const Case& c, const std::string& path) {
  const sy::TrainOptions options = train_options(c);
  const int64_t max_len = options.max_seq_len > 0 ? options.max_seq_len : c.config.max_seq_len;
  sy::BatchStream batches(*c.data, options.batch_size, options.seed, c.config.pad_id, max_len);
  std::ofstream out(path, std::ios::binary);
  auto put = [&out](const int64_t* values, int64_t n) {
    out.write(reinterpret_cast<const char*>(values),
              static_cast<std::streamsize>(n * static_cast<int64_t>(sizeof(int64_t))));
  };
  out.write("SYBATCH1", 8);
  put(&options.steps, 1);
  int64_t tokens = 0;
  for (int64_t step = 0; step < options.steps; ++step) {
    const auto batch = batches.next();
    const int64_t shape[2] = {batch.input_ids.size(0), batch.input_ids.size(1)};
    put(shape, 2);
    for (const auto& t : {batch.input_ids, batch.attention_mask, batch.labels}) {
      const auto values = t.to(torch::kLong).contiguous();
      put(values.data_ptr<int64_t>(), values.numel());
    }
    tokens += batch.tokens;
  }
  out.close();
  if (!out) throw sy::Error("could not write the peer's batches to " + path);
  return tokens;
}

struct PeerResult {
  std::string implementation;  // "PyTorch x.y.z"
  double seconds = 0, tokens = 0;
  int64_t steps = 0, peak_rss_kib = -1, trained_params = 0, total_params = 0;
  double first_loss = 0, last_loss = 0;
};

// Runs bench/peers/builtin_train_step.py on the batch file with `python` (taken as a command, as
// bench_bloom_lora does, so "nice python" works too) and reads its one line of results.
bool run_peer(const std::string& python, const Case& c, const std::string& batches, PeerResult& r) {
  const std::string script =
      std::string(SWITCHYARD_SOURCE_DIR) + "/bench/peers/builtin_train_step.py";
  const std::string command =
      python + " " + sy::bench::shell_quote(script) + " --batches " +
      sy::bench::shell_quote(batches) + " --mode " + (c.lora ? "lora" : "full") + " --precision " +
      sy::precision_name(c.precision) + " --warmup " + std::to_string(c.warmup) + " --threads " +
      std::to_string(at::get_num_threads());
  const std::string line = sy::bench::run_peer_command(command);
  long long steps = 0, rss = 0, trained = 0, total = 0;
  char version[64] = {};
  const int n =
      std::sscanf(line.c_str(), "%lf %lf %lld %lld %lld %lld %lf %lf %63s", &r.tokens, &r.seconds,
                  &steps, &rss, &trained, &total, &r.first_loss, &r.last_loss, version);
  r.steps = steps;
  r.peak_rss_kib = rss;
  r.trained_params = trained;
  r.total_params = total;
  r.implementation = std::string("PyTorch ") + version;
  return n == 9 && r.steps == c.steps && r.seconds > 0;
}

std::string params_text(int64_t n) {
  if (n >= 1000000) return fixed(static_cast<double>(n) / 1e6, 2) + " M";
  if (n >= 1000) return fixed(static_cast<double>(n) / 1e3, 1) + " k";
  return std::to_string(n);
}

int usage(const char* why) {
  std::fprintf(stderr,
               "bench_train: %s\nusage: bench_train [--quick] [--only builtin|gpt2] "
               "[--precision fp32|bf16|both] [--threads N] [--steps N] [--peer PYTHON]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string only;
  std::string threads;
  std::string peer;  // a Python with torch, or empty
  int64_t steps_override = 0;
  std::vector<sy::Precision> precisions = {sy::Precision::FP32, sy::Precision::BF16};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
      if (only != "builtin" && only != "gpt2") return usage("--only expects builtin or gpt2");
    } else if (arg == "--steps" && i + 1 < argc) {
      steps_override = std::atoll(argv[++i]);
      if (steps_override <= 0) return usage("--steps expects a positive whole number");
    } else if (arg == "--precision" && i + 1 < argc) {
      const std::string p = argv[++i];
      if (p == "both") {
        precisions = {sy::Precision::FP32, sy::Precision::BF16};
      } else if (p == "fp32" || p == "bf16") {
        precisions = {sy::parse_precision(p, "--precision")};
      } else {
        return usage("--precision expects fp32, bf16 or both");
      }
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = argv[++i];
    } else if (arg == "--peer" && i + 1 < argc) {
      peer = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      return usage("prints a table of training throughput");
    } else {
      return usage(("unknown or incomplete option \"" + arg + "\"").c_str());
    }
  }

  try {
    if (!sy::bench::start_benchmark(threads)) {
      return usage("--threads expects a positive whole number");
    }
    const int64_t warmup = quick ? 1 : 2;

    // (a) the built-in byte-level model on the built-in `reverse` task.
    std::vector<sy::EncodedExample> reverse_data;
    {
      const sy::ByteTokenizer tokenizer;
      const auto task = sy::make_builtin_task("reverse", 0, 2000, 0);
      for (const auto& example : task.train) {
        reverse_data.push_back(
            sy::encode_example(tokenizer, sy::builtin_model_config().prompt_template, example));
      }
    }
    // (b) GPT-2-small shape: 64 random prompt ids + 64 random response ids per example.
    std::vector<sy::EncodedExample> random_data;
    {
      std::mt19937_64 rng(0);
      for (int i = 0; i < 64; ++i) {
        sy::EncodedExample e;
        e.prompt = sy::bench::random_ids(rng, 64, 0, 50256);
        e.response = sy::bench::random_ids(rng, 64, 0, 50256);
        random_data.push_back(std::move(e));
      }
    }

    sy::LoraSpec builtin_lora;
    builtin_lora.rank = 8;
    builtin_lora.alpha = 16;
    builtin_lora.target_modules = {"qkv_proj", "o_proj", "up_proj", "down_proj"};
    sy::LoraSpec gpt2_lora;
    gpt2_lora.rank = 8;
    gpt2_lora.alpha = 16;
    gpt2_lora.target_modules = {"qkv_proj"};

    std::vector<Case> cases;
    for (const auto precision : precisions) {
      const std::string suffix = precision == sy::Precision::BF16 ? " bf16" : "";
      if (only.empty() || only == "builtin") {
        const int64_t steps = steps_override > 0 ? steps_override : (quick ? 5 : 20);
        const auto config = sy::builtin_model_config();
        cases.push_back({"builtin", "LoRA r8 qkv,o,up,down" + suffix, config, true, builtin_lora,
                         &reverse_data, 16, warmup, steps, precision});
        cases.push_back({"builtin",
                         "full" + suffix,
                         config,
                         false,
                         {},
                         &reverse_data,
                         16,
                         warmup,
                         steps,
                         precision});
      }
      if (only.empty() || only == "gpt2") {
        const int64_t steps = steps_override > 0 ? steps_override : (quick ? 2 : 5);
        const auto config = sy::bench::gpt2_small_config();
        cases.push_back({"gpt2-small", "LoRA r8 qkv" + suffix, config, true, gpt2_lora,
                         &random_data, 8, warmup, steps, precision});
        cases.push_back({"gpt2-small",
                         "full" + suffix,
                         config,
                         false,
                         {},
                         &random_data,
                         8,
                         warmup,
                         steps,
                         precision});
      }
    }

    // The peer's batch file: every builtin row trains on the same batches (same data, batch
    // size, seed and step count), so one file serves them all. Removed when main returns.
    struct TempDir {
      std::filesystem::path path;
      ~TempDir() {
        std::error_code ignored;
        if (!path.empty()) std::filesystem::remove_all(path, ignored);
      }
    } temp_dir;
    std::string batches_path;
    int64_t batches_tokens = 0;
    if (!peer.empty()) {
      std::string pattern = (std::filesystem::temp_directory_path() / "bench_train.XXXXXX");
      if (!mkdtemp(pattern.data())) throw sy::Error("could not create a temporary directory");
      temp_dir.path = pattern;
      for (const auto& c : cases) {
        if (c.model != "builtin") continue;
        batches_path = (temp_dir.path / "builtin_batches.bin").string();
        batches_tokens = write_peer_batches(c, batches_path);
        break;
      }
      if (batches_path.empty()) {
        std::fprintf(stderr, "note: the peer runs the builtin rows only; there are none\n");
      }
    }

    const std::string ours = "Switchyard (LibTorch " + std::string(TORCH_VERSION) + ")";
    std::vector<std::vector<std::string>> rows = {
        {"model", "mode", "implementation", "params (trained / total)", "batch", "tokens/seq",
         "timed steps", "tokens/s", "ms/step", "peak RSS MiB", "loss first -> last"}};
    auto add_row = [&](const Case& c, const std::string& who, int64_t trained, int64_t total,
                       double tokens, double seconds, int64_t peak_rss_kib, double first_loss,
                       double last_loss) {
      rows.push_back(
          {c.model, c.mode, who, params_text(trained) + " / " + params_text(total),
           std::to_string(c.batch), fixed(tokens / static_cast<double>(c.steps * c.batch), 1),
           std::to_string(c.steps), fixed(tokens / seconds, 0),
           fixed(1000.0 * seconds / static_cast<double>(c.steps), 1),
           sy::bench::mib_text(peak_rss_kib), fixed(first_loss, 3) + " -> " + fixed(last_loss, 3)});
    };
    bool peak_reset = true;
    for (const auto& c : cases) {
      std::fprintf(stderr, "running %s %s (%lld warm-up + %lld timed steps)\n", c.model.c_str(),
                   c.mode.c_str(), static_cast<long long>(c.warmup),
                   static_cast<long long>(c.steps));
      const auto m = run_case(c);
      peak_reset = peak_reset && m.peak_reset;
      add_row(c, ours, m.trained_params, m.total_params, m.tokens, m.seconds, m.peak_rss_kib,
              m.first_loss, m.last_loss);
      if (batches_path.empty() || c.model != "builtin") continue;
      // A cheap proof that the file holds what train() just trained on: same real-token count.
      if (m.all_tokens != batches_tokens) {
        throw sy::Error("the peer's batches hold " + std::to_string(batches_tokens) +
                        " tokens, but sy::train trained on " + std::to_string(m.all_tokens) +
                        "; write_peer_batches no longer follows the trainer's batch plan");
      }
      std::fprintf(stderr, "running the PyTorch peer: %s %s\n", c.model.c_str(), c.mode.c_str());
      PeerResult r;
      if (run_peer(peer, c, batches_path, r)) {
        add_row(c, r.implementation, r.trained_params, r.total_params, r.tokens, r.seconds,
                r.peak_rss_kib, r.first_loss, r.last_loss);
      } else {
        std::fprintf(stderr, "the peer failed (is %s a Python with torch?)\n", peer.c_str());
      }
    }
    std::printf(
        "Training throughput (warm-up steps excluded; tokens are real, non-padding "
        "tokens; peak RSS is VmHWM, reset before each of our rows; a peer row's is its own "
        "Python process's):\n\n");
    sy::bench::print_table(rows);
    std::printf("\nload average at end: %s\n", sy::bench::load_average().c_str());
    if (!peak_reset) {
      std::printf(
          "\nnote: /proc/self/clear_refs could not be written, so each peak RSS is the "
          "peak since the program started.\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
