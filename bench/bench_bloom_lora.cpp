// bench_bloom_lora: one LoRA training step (r 64 on query_key_value) on a randomly initialised
// BLOOM model of the SwitchCIT paper's sizes (1.1B, 7.1B), with the frozen base weights in fp32,
// bf16 or fp16, against the same step through PyTorch + PEFT (bench/peers/peft_lora_step.py) in
// the same invocation. Per row: tokens/s, peak resident memory, and the model FLOPs achieved as a
// fraction of this machine's bf16 matrix-product peak, measured first in the same run.
// Every row runs in a child process (this program re-run with --child, or the peer's Python) that
// is killed when its resident memory passes a limit, so a model that does not fit cannot take the
// machine down; its row then says so.
// Usage: bench_bloom_lora [--shape 1b1|7b1] [--weights-dtype fp32|bf16|fp16|both|LIST]
//                         [--precision fp32|bf16|both] [--seq N] [--batch N] [--steps N]
//                         [--threads N] [--peer PYTHON] [--memory-limit GIB] [--time-limit S]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <torch/utils.h>

#include "bench/bench_util.h"
#include "engine/kernels/precision.h"
#include "engine/model/lora.h"
#include "engine/model/model_config.h"
#include "engine/model/transformer.h"
#include "engine/model/weights_dtype.h"
#include "engine/train/batching.h"
#include "engine/train/trainer.h"
#include "engine/util/device.h"

extern char** environ;

namespace {

using sy::bench::fixed;
constexpr int64_t kVocab = 250880;
constexpr int64_t kRank = 64;

// ------------------------------------------------------------------------------- the models

struct BloomShape {
  std::string name;   // "1b1", "7b1"
  std::string title;  // "BLOOM-1.1B"
  int64_t layers, width, heads;
};

// bigscience/bloom-1b1 and bloom-7b1 (the paper's models): ALiBi, embedding LayerNorm, fused
// per-head query_key_value, tanh-GELU MLP of 4x the width, tied embeddings, vocab 250880.
const std::vector<BloomShape>& bloom_shapes() {
  static const std::vector<BloomShape> shapes = {{"1b1", "BLOOM-1.1B", 24, 1536, 16},
                                                 {"7b1", "BLOOM-7.1B", 30, 4096, 32}};
  return shapes;
}

sy::ModelConfig bloom_config(const BloomShape& shape) {
  sy::ModelConfig c;
  c.family = "bloom";
  c.vocab_size = kVocab;
  c.n_layer = shape.layers;
  c.n_head = shape.heads;
  c.n_kv_head = shape.heads;
  c.d_model = shape.width;
  c.d_ff = 4 * shape.width;
  c.max_seq_len = 2048;
  c.norm = sy::NormType::LayerNorm;
  c.norm_eps = 1e-5;
  c.position = sy::PositionType::ALiBi;
  c.mlp = sy::MlpType::GELUTanh;
  c.fused_qkv = true;
  c.attn_bias = c.o_bias = c.mlp_bias = true;
  c.embed_norm = true;
  c.tie_embeddings = true;
  c.bos_id = 1;
  c.eos_id = 2;
  c.pad_id = 3;
  c.validate("the " + shape.title + " benchmark config");
  return c;
}

// Weights of the model (biases and norms included), from the shape alone: what the frozen base
// holds in memory before anything runs.
int64_t bloom_parameters(const sy::ModelConfig& c) {
  const int64_t d = c.d_model, f = c.d_ff;
  const int64_t block = d * 3 * d + 3 * d + d * d + d + d * f + f + f * d + d + 4 * d;
  return c.vocab_size * d + 2 * d + c.n_layer * block + 2 * d;
}

// Model FLOPs of one LoRA step with a frozen base, T = batch x seq tokens, of which
// T_loss = batch x (seq - seq/2) carry the loss (the response half):
//   block linear layers, N_blk = layers x d (3d + d + 2 d_ff) weights:
//     forward 2 N_blk T, backward 2 N_blk T (input gradients only: frozen weights get none);
//   the tied output projection (V x d), on the loss tokens only, since no other logit is needed:
//     forward 2 V d T_loss, backward 2 V d T_loss;
//   attention (Q K^T and P V over the full seq x seq square, as PaLM counts it):
//     forward 4 seq d per token and layer, backward twice that: 12 layers seq d T;
//   LoRA on query_key_value (r, d -> 3d): forward 2 r (d + 3d) T per layer, backward twice that
//     (gradients of A, of B, of B's input and of the layer input): 6 layers r 4d T.
// Biases, norms, softmax, GELU and the loss are left out (under 1 % here). Both implementations
// are credited with this same count, so GFLOP/s compares like tokens/s; PyTorch computes the
// prompt tokens' logits as well, and our last block skips their o_proj and MLP, neither counted.
double lora_step_flops(const sy::ModelConfig& c, int64_t batch, int64_t seq) {
  const double d = static_cast<double>(c.d_model), layers = static_cast<double>(c.n_layer);
  const double tokens = static_cast<double>(batch * seq);
  const double loss_tokens = static_cast<double>(batch * (seq - seq / 2));
  const double block_weights = layers * d * (4 * d + 2 * static_cast<double>(c.d_ff));
  const double linear = 4 * block_weights * tokens;
  const double head = 4 * static_cast<double>(c.vocab_size) * d * loss_tokens;
  const double attention = 12 * layers * static_cast<double>(seq) * d * tokens;
  const double lora = 6 * layers * static_cast<double>(kRank) * 4 * d * tokens;
  return linear + head + attention + lora;
}

// --------------------------------------------------------------------------------- the rows

// A row's numerics: the frozen weights' dtype, and autocast (bf16 products under FP32 weights;
// half-precision weights multiply in their own dtype with autocast off).
struct RowKind {
  sy::WeightsDtype weights = sy::WeightsDtype::FP32;
  sy::Precision precision = sy::Precision::FP32;
};

std::string weights_text(const RowKind& k) {
  return sy::weights_dtype_name(k.weights);
}
std::string autocast_text(const RowKind& k) {
  return k.precision == sy::Precision::FP32 ? "off" : sy::precision_name(k.precision);
}

struct Options {
  const BloomShape* shape = &bloom_shapes().front();
  std::vector<sy::WeightsDtype> weights = {sy::WeightsDtype::FP32, sy::WeightsDtype::BF16};
  std::vector<sy::Precision> precisions = {sy::Precision::FP32};  // for FP32 weights
  int64_t seq = 128;
  int64_t batch = 1;
  int64_t steps = 2;            // timed steps, after one warm-up step
  std::string peer;             // a Python with torch + peft, or empty
  double memory_limit_gib = 0;  // 0: what the machine has available at start, less 2 GiB
  double time_limit_s = 3600;   // per row
  std::string threads;          // "--threads" as given, or empty
  bool child = false;           // run one row here and print its figures line (hidden option)

  std::vector<RowKind> rows() const {
    std::vector<RowKind> out;
    for (const auto w : weights) {
      if (w != sy::WeightsDtype::FP32) {
        out.push_back({w, sy::Precision::FP32});
        continue;
      }
      for (const auto p : precisions) out.push_back({w, p});
    }
    return out;
  }
};

// What one row's process reports, as one line on stdout (the peer prints the same line):
// tokens_per_s seconds_per_step peak_rss_kib trained total first_loss last_loss.
struct Figures {
  double tokens_per_s = 0, seconds_per_step = 0;
  long long peak_rss_kib = -1, trained = 0, total = 0;
  double first_loss = 0, last_loss = 0;
};

std::string figures_line(const Figures& f) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%.6g %.6g %lld %lld %lld %.6g %.6g", f.tokens_per_s,
                f.seconds_per_step, f.peak_rss_kib, f.trained, f.total, f.first_loss, f.last_loss);
  return buf;
}

bool parse_figures(const std::string& line, Figures& f) {
  return std::sscanf(line.c_str(), "%lf %lf %lld %lld %lld %lf %lf", &f.tokens_per_s,
                     &f.seconds_per_step, &f.peak_rss_kib, &f.trained, &f.total, &f.first_loss,
                     &f.last_loss) == 7;
}

// ------------------------------------------------------------------- our row (in the child)

// The model with its frozen weights in `dtype`, made in that dtype (no FP32 copy is ever made).
// The engine draws GPT-2's init, whose residual projections (o_proj, down_proj) have std 0.02 /
// sqrt(2 layers); BLOOM's, the peer's, has std 0.02 everywhere. They are scaled up to it here
// (one multiply, cheaper than a second draw), so that the losses compare: with the smaller init
// the residual stream stays close to each token's own (tied) embedding, which then dominates the
// logits, and the first loss is ~26.6 instead of ~12.7 (ln 250880 = 12.4). Timing and memory do
// not depend on it.
sy::TransformerLM make_model(const sy::ModelConfig& config, sy::WeightsDtype dtype) {
  torch::manual_seed(0);
  sy::TransformerLM model(config, sy::WeightsInit{sy::weights_scalar_type(dtype), true});
  torch::NoGradGuard no_grad;
  const double to_bloom_std = std::sqrt(2.0 * static_cast<double>(config.n_layer));
  for (const auto& layer : *model->layers) {
    auto* block = layer->as<sy::BlockImpl>();
    block->attn->o_proj->weight.mul_(to_bloom_std);
    block->mlp->down_proj->weight.mul_(to_bloom_std);
  }
  return model;
}

// Half prompt, half response: the loss covers the response tokens, as in instruction tuning.
std::vector<sy::EncodedExample> random_examples(const Options& o) {
  std::mt19937_64 rng(0);
  std::vector<sy::EncodedExample> data;
  for (int64_t i = 0; i < o.batch; ++i) {
    sy::EncodedExample e;
    e.prompt = sy::bench::random_ids(rng, static_cast<size_t>(o.seq / 2), 4, kVocab);
    e.response = sy::bench::random_ids(rng, static_cast<size_t>(o.seq - o.seq / 2), 4, kVocab);
    data.push_back(std::move(e));
  }
  return data;
}

Figures train_ours(const Options& o, const RowKind& kind) {
  Figures f;
  auto model = make_model(bloom_config(*o.shape), kind.weights);
  sy::LoraSpec spec;
  spec.rank = kRank;
  spec.alpha = 2 * kRank;
  spec.dropout = 0.0;
  spec.target_modules = {"qkv_proj"};
  const auto target = sy::adapter_target(model, model->add_adapter("bench", spec));
  f.total = sy::count_parameters(model->parameters());
  f.trained = sy::count_parameters(target.parameters);

  sy::TrainOptions options;
  options.steps = 1 + o.steps;
  options.batch_size = o.batch;
  options.lr = 1e-4;
  options.precision = kind.precision;
  double start_s = 0;
  auto on_step = [&](const sy::TrainStep& s) {
    std::fprintf(stderr, "  ours %s/%s: step %lld/%lld loss %.3f (%.1f s)\n",
                 weights_text(kind).c_str(), autocast_text(kind).c_str(),
                 static_cast<long long>(s.step), static_cast<long long>(s.total_steps), s.loss,
                 s.elapsed_s);
    if (s.step == 1) start_s = s.elapsed_s;
    if (s.step == s.total_steps) {
      f.seconds_per_step = (s.elapsed_s - start_s) / static_cast<double>(o.steps);
    }
  };
  const auto result = sy::train(model, random_examples(o), target, options, on_step);
  f.tokens_per_s = static_cast<double>(o.batch * o.seq) / f.seconds_per_step;
  f.first_loss = result.losses.front();
  f.last_loss = result.losses.back();
  f.peak_rss_kib = sy::bench::status_kib("VmHWM");
  return f;
}

// -------------------------------------------------------------------- rows as child processes

// How a row's process ended. Its peak RSS comes from wait4's rusage, the same measure for our
// process and the peer's (importing torch, the libraries and the process baseline included).
struct ChildResult {
  std::string last_line;  // the last line it printed on stdout
  int64_t peak_rss_kib = -1;
  bool exited_ok = false;
  bool over_memory = false, over_time = false;
};

// A "Name:   1234 kB" field of a /proc file (status, meminfo) in KiB, or -1.
int64_t proc_field_kib(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atoll(line.c_str() + field.size() + 1);
  }
  return -1;
}

int64_t process_rss_kib(pid_t pid) {
  return proc_field_kib("/proc/" + std::to_string(pid) + "/status", "VmRSS");
}

std::string last_line_of(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

// Runs argv[0] (searched in PATH) with stdout read back and stderr passed through, polling its
// resident memory every 20 ms: above `limit_kib`, or after `time_limit_s`, it is killed. It is
// also the OOM killer's first choice (oom_score_adj 1000), should the machine run short anyway.
ChildResult run_child(const std::vector<std::string>& argv, int64_t limit_kib,
                      double time_limit_s) {
  ChildResult r;
  std::fflush(nullptr);  // our buffered output must not interleave with the child's
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return r;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    return r;
  }
  std::ofstream(("/proc/" + std::to_string(pid) + "/oom_score_adj").c_str()) << "1000";

  const auto start = std::chrono::steady_clock::now();
  std::string text;
  for (;;) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 20) > 0) {
      char buf[4096];
      const ssize_t n = read(out[0], buf, sizeof(buf));
      if (n <= 0) break;  // end of output: the child has exited or closed stdout
      text.append(buf, static_cast<size_t>(n));
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool over_memory = process_rss_kib(pid) > limit_kib;
    const bool over_time = elapsed > time_limit_s;
    if ((over_memory || over_time) && !r.over_memory && !r.over_time) {
      r.over_memory = over_memory;
      r.over_time = over_time;
      kill(pid, SIGKILL);
    }
  }
  close(out[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  r.peak_rss_kib = usage.ru_maxrss;  // KiB on Linux
  r.exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  r.last_line = last_line_of(text);
  return r;
}

// This program's own path, to re-run it for a row.
std::string self_path() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("/proc/self/exe");
}

std::vector<std::string> row_arguments(const Options& o, const RowKind& kind) {
  return {"--shape",         o.shape->name,
          "--weights-dtype", sy::weights_dtype_name(kind.weights),
          "--precision",     sy::precision_name(kind.precision),
          "--seq",           std::to_string(o.seq),
          "--batch",         std::to_string(o.batch),
          "--steps",         std::to_string(o.steps),
          "--threads",       std::to_string(at::get_num_threads())};
}

std::string peer_script() {
  return std::string(SWITCHYARD_SOURCE_DIR) + "/bench/peers/peft_lora_step.py";
}

// ---------------------------------------------------------------------- the machine's peaks

// GFLOP/s of a 2048 x 2048 x 2048 torch::mm in `dtype`, the best of five after one warm-up.
double product_gflops(torch::ScalarType dtype) {
  constexpr int64_t n = 2048;
  const auto a = torch::randn({n, n}).to(dtype), b = torch::randn({n, n}).to(dtype);
  auto c = torch::mm(a, b);
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    c = torch::mm(a, b);
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return 2.0 * n * n * n / best / 1e9;
}

struct Peaks {
  double bf16 = 0, fp32 = 0;  // ours (LibTorch)
  double peer_bf16 = 0, peer_fp32 = 0;
  std::string peer_versions;  // "PyTorch x + PEFT y", empty without a peer
  double machine_bf16() const { return std::max(bf16, peer_bf16); }
};

Peaks measure_peaks(const Options& o) {
  Peaks p;
  p.bf16 = product_gflops(torch::kBFloat16);
  p.fp32 = product_gflops(torch::kFloat);
  sy::bench::reset_peak_rss();
  if (o.peer.empty()) return p;
  const auto r = run_child(
      {o.peer, peer_script(), "--peak", "--threads", std::to_string(at::get_num_threads())},
      INT64_MAX, 600);
  char torch_version[64] = {}, peft_version[64] = {};
  if (r.exited_ok && std::sscanf(r.last_line.c_str(), "%lf %lf %63s %63s", &p.peer_bf16,
                                 &p.peer_fp32, torch_version, peft_version) == 4) {
    p.peer_versions = std::string("PyTorch ") + torch_version + " + PEFT " + peft_version;
  }
  return p;
}

// --------------------------------------------------------------------------------- the table

struct Table {
  const Options& o;
  const Peaks& peaks;
  double flops;  // per step
  std::vector<std::vector<std::string>> rows = {
      {"implementation", "weights", "autocast", "params (trained / total)", "s/step", "tokens/s",
       "GFLOP/s", "% of bf16 peak", "peak RSS MiB", "loss first -> last"}};

  static std::string millions(long long n) {
    return sy::bench::fixed(static_cast<double>(n) / 1e6, 1) + " M";
  }

  void add(const std::string& who, const RowKind& kind, const ChildResult& r) {
    Figures f;
    std::vector<std::string> row = {who, weights_text(kind), autocast_text(kind)};
    if (r.exited_ok && parse_figures(r.last_line, f)) {
      const double gflops = flops / f.seconds_per_step / 1e9;
      row.insert(row.end(), {millions(f.trained) + " / " + millions(f.total),
                             fixed(f.seconds_per_step, 2), fixed(f.tokens_per_s, 1),
                             fixed(gflops, 1), fixed(100 * gflops / peaks.machine_bf16(), 1),
                             sy::bench::mib_text(r.peak_rss_kib),
                             fixed(f.first_loss, 3) + " -> " + fixed(f.last_loss, 3)});
    } else {
      const std::string why =
          r.over_memory ? "did not fit under " + fixed(o.memory_limit_gib, 1) + " GiB (killed)"
          : r.over_time ? "stopped after " + fixed(o.time_limit_s, 0) + " s (--time-limit)"
                        : "failed (see its messages above)";
      row.insert(row.end(), {"-", "-", "-", "-", "-", sy::bench::mib_text(r.peak_rss_kib), why});
    }
    rows.push_back(std::move(row));
  }
};

void print_header(const Options& o, const Peaks& p, double flops) {
  std::printf(
      "matrix-product peak (2048 x 2048 x 2048 torch::mm, best of 5): bf16 %.0f GFLOP/s, "
      "fp32 %.0f GFLOP/s (LibTorch %s)",
      p.bf16, p.fp32, TORCH_VERSION);
  if (!p.peer_versions.empty()) {
    std::printf("; bf16 %.0f, fp32 %.0f (%s)", p.peer_bf16, p.peer_fp32, p.peer_versions.c_str());
  }
  std::printf("\nbf16 peak used below: %.0f GFLOP/s\n", p.machine_bf16());
  std::printf("model FLOPs of one step: %.1f GFLOP (bench/README.md gives the count)\n",
              flops / 1e9);
  std::printf("memory limit per row: %.1f GiB of resident memory\n\n", o.memory_limit_gib);
}

// Refuses rows whose frozen weights alone exceed the memory limit (FP32 BLOOM-7.1B: 28 GB).
bool weights_fit(const Options& o, std::string& why) {
  const double params = static_cast<double>(bloom_parameters(bloom_config(*o.shape)));
  for (const auto& kind : o.rows()) {
    const double gib = params * static_cast<double>(sy::weights_dtype_bytes(kind.weights)) /
                       (1024.0 * 1024.0 * 1024.0);
    if (gib > o.memory_limit_gib) {
      why = sy::weights_dtype_name(kind.weights) + " weights of " + o.shape->title + " take " +
            fixed(gib, 1) + " GiB, more than the memory limit of " + fixed(o.memory_limit_gib, 1) +
            " GiB" + (kind.weights == sy::WeightsDtype::FP32 ? ": use --weights-dtype bf16" : "");
      return false;
    }
  }
  return true;
}

double available_gib() {
  return static_cast<double>(proc_field_kib("/proc/meminfo", "MemAvailable")) / (1024.0 * 1024.0);
}

int run_rows(const Options& o) {
  const auto config = bloom_config(*o.shape);
  const Peaks peaks = measure_peaks(o);
  const double flops = lora_step_flops(config, o.batch, o.seq);
  Table table{o, peaks, flops};
  const auto limit_kib = static_cast<int64_t>(o.memory_limit_gib * 1024 * 1024);
  const std::string ours = "Switchyard (LibTorch " + std::string(TORCH_VERSION) + ")";
  for (const auto& kind : o.rows()) {
    const std::string label = weights_text(kind) + " weights, autocast " + autocast_text(kind);
    std::fprintf(stderr, "running ours, %s\n", label.c_str());
    auto args = row_arguments(o, kind);
    std::vector<std::string> self = {self_path(), "--child"};
    self.insert(self.end(), args.begin(), args.end());
    table.add(ours, kind, run_child(self, limit_kib, o.time_limit_s));
    if (o.peer.empty()) continue;
    std::fprintf(stderr, "running the PyTorch + PEFT peer, %s\n", label.c_str());
    std::vector<std::string> peer = {o.peer, peer_script()};
    peer.insert(peer.end(), args.begin(), args.end());
    const std::string who = peaks.peer_versions.empty() ? "PyTorch + PEFT" : peaks.peer_versions;
    table.add(who, kind, run_child(peer, limit_kib, o.time_limit_s));
  }
  print_header(o, peaks, flops);
  std::printf(
      "One LoRA training step (r 64, alpha 128, on query_key_value, AdamW) of a randomly "
      "initialised %s shape on %lld x %lld tokens; one warm-up step excluded; each row "
      "in its own process, peak RSS its VmHWM:\n\n",
      o.shape->title.c_str(), static_cast<long long>(o.batch), static_cast<long long>(o.seq));
  sy::bench::print_table(table.rows);
  std::printf("load average at end: %s\n", sy::bench::load_average().c_str());
  return 0;
}

// ------------------------------------------------------------------------------------ options

int usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_bloom_lora: %s\nusage: bench_bloom_lora [--shape 1b1|7b1] "
               "[--weights-dtype fp32|bf16|fp16|both|LIST] [--precision fp32|bf16|both] "
               "[--seq N] [--batch N] [--steps N] [--threads N] [--peer PYTHON] "
               "[--memory-limit GIB] [--time-limit S]\n"
               "--precision is autocast for the fp32-weights rows; \"both\" is fp32,bf16\n",
               why.c_str());
  return 2;
}

// "a,b,c" as its parts.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) parts.push_back(part);
  return parts;
}

// Fills `o` from the command line; an empty string when all is well, else what is wrong.
std::string parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--child") {
      o.child = true;
    } else if (arg == "--shape" && has_value) {
      const std::string name = argv[++i];
      o.shape = nullptr;
      for (const auto& s : bloom_shapes()) {
        if (s.name == name) o.shape = &s;
      }
      if (!o.shape) return "--shape expects 1b1 or 7b1";
    } else if (arg == "--weights-dtype" && has_value) {
      const std::string list = argv[++i];
      o.weights.clear();
      for (const auto& w : split_list(list == "both" ? "fp32,bf16" : list)) {
        if (w != "fp32" && w != "bf16" && w != "fp16") {
          return "--weights-dtype expects fp32, bf16, fp16, both or a comma list of them";
        }
        o.weights.push_back(sy::parse_weights_dtype(w, "--weights-dtype"));
      }
    } else if (arg == "--precision" && has_value) {
      const std::string p = argv[++i];
      if (p != "fp32" && p != "bf16" && p != "both")
        return "--precision expects fp32, bf16 or both";
      o.precisions.clear();
      if (p != "bf16") o.precisions.push_back(sy::Precision::FP32);
      if (p != "fp32") o.precisions.push_back(sy::Precision::BF16);
    } else if ((arg == "--seq" || arg == "--batch" || arg == "--steps") && has_value) {
      const int64_t v = std::atoll(argv[++i]);
      if (v <= 0) return arg + " expects a positive whole number";
      (arg == "--seq" ? o.seq : arg == "--batch" ? o.batch : o.steps) = v;
    } else if ((arg == "--memory-limit" || arg == "--time-limit") && has_value) {
      const double v = std::atof(argv[++i]);
      if (v <= 0) return arg + " expects a positive number";
      (arg == "--memory-limit" ? o.memory_limit_gib : o.time_limit_s) = v;
    } else if (arg == "--threads" && has_value) {
      o.threads = argv[++i];
    } else if (arg == "--peer" && has_value) {
      o.peer = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      return "times one LoRA step of a BLOOM-shaped model, ours and PyTorch + PEFT's";
    } else {
      return "unknown or incomplete option \"" + arg + "\"";
    }
  }
  if (o.memory_limit_gib == 0) o.memory_limit_gib = std::max(1.0, available_gib() - 2.0);
  return "";
}

// The hidden --child mode: one row (the first of --weights-dtype and --precision), its figures
// line on stdout, progress on stderr.
int run_child_row(const Options& o) {
  sy::tune_cpu_runtime();
  if (!o.threads.empty() && !sy::bench::set_threads(o.threads)) return 2;
  std::printf("%s\n", figures_line(train_ours(o, o.rows().front())).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    const std::string problem = parse_options(argc, argv, o);
    if (!problem.empty()) return usage(problem);
    if (o.child) {
      // Our row runs as switchyard-engine does: libgomp's threads spin briefly before they sleep
      // (app/engine_main.cpp says why). libgomp reads it as it loads, hence the restart; the
      // user's own setting wins. The peer runs as PyTorch users run it.
      if (!std::getenv("GOMP_SPINCOUNT") && !std::getenv("OMP_WAIT_POLICY")) {
        setenv("GOMP_SPINCOUNT", "20000", 1);
        execv("/proc/self/exe", argv);  // returns only on failure: then go on as we are
      }
      return run_child_row(o);
    }
    std::string why;
    if (!weights_fit(o, why)) return usage(why);
    if (!sy::bench::start_benchmark(o.threads)) {
      return usage("--threads expects a positive whole number");
    }
    return run_rows(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_bloom_lora: %s\n", e.what());
    return 1;
  }
}
