// Small helpers shared by the benchmarks: the machine description printed above each table,
// peak resident memory from /proc/self/status, running a Python peer for its one line of
// figures, the GPT-2-small model shape and random token ids
// (the torch-free text helpers are in bench_text.h). Linux-only where /proc is read; elsewhere the
// figures read "n/a".
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <ATen/Parallel.h>
#include <torch/version.h>

#include "bench/bench_text.h"
#include "engine/kernels/cpu_gemm.h"
#include "engine/model/model_config.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/util/device.h"

namespace sy::bench {

// A "Name:   1234 kB" field of /proc/self/status in KiB, or -1 when it cannot be read.
inline int64_t status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      try {
        return std::stoll(line.substr(field.size() + 1));
      } catch (...) {
        return -1;
      }
    }
  }
  return -1;
}

// Hands freed heap memory back to the system, then resets the peak-RSS mark (VmHWM) to the
// current RSS (Linux >= 4.0). False if not possible: VmHWM is then the peak since the start.
inline bool reset_peak_rss() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

inline std::string mib_text(int64_t kib) {
  if (kib < 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f", static_cast<double>(kib) / 1024.0);
  return buf;
}

// The thread settings that change CPU figures most, as this process saw them at start-up.
inline std::string env_text(const char* name) {
  const char* value = std::getenv(name);
  return std::string(name) + "=" + (value ? value : "(unset)");
}

inline void print_machine() {
  std::printf("CPU: %s (%u logical cores)\n", cpu_model_name().c_str(),
              std::thread::hardware_concurrency());
  std::printf("threads (at::get_num_threads): %d\n", at::get_num_threads());
  std::printf("environment: %s %s %s\n", env_text("OMP_WAIT_POLICY").c_str(),
              env_text("OMP_NUM_THREADS").c_str(), env_text("OPENBLAS_NUM_THREADS").c_str());
  std::printf("LibTorch: %s\n", TORCH_VERSION);
  std::printf("dense FP32 CPU products: %s\n", sy::gemm::enabled() ? "oneDNN sgemm"
                                               : sy::gemm::available()
                                                   ? "LibTorch's BLAS (SY_ONEDNN=0)"
                                                   : "LibTorch's BLAS (built without oneDNN)");
  std::printf("load average at start: %s\n\n", load_average().c_str());
}

// Applies "--threads N" (N > 0) after sy::tune_cpu_runtime(); false for a bad value.
inline bool set_threads(const std::string& value) {
  const int n = std::atoi(value.c_str());
  if (n <= 0) return false;
  at::set_num_threads(n);
  return true;
}

// What every benchmark does first: LibTorch's CPU settings, then "--threads N" when given (empty:
// not given), then the machine description above the table. False for a bad --threads value.
inline bool start_benchmark(const std::string& threads) {
  sy::tune_cpu_runtime();
  if (!threads.empty() && !set_threads(threads)) return false;
  print_machine();
  return true;
}

// The shape of GPT-2 small (124 M parameters), randomly initialised by the caller.
// Single quotes for the shell, so a path with spaces or quotes survives popen.
inline std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char ch : text) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// Runs a peer (a shell command: "nice python script ..." works) and returns the one line of
// figures it prints on stdout; empty when it printed nothing or failed.
inline std::string run_peer_command(const std::string& command) {
  std::fflush(nullptr);  // our buffered output must not interleave with the child's
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "";
  char line[512] = {};
  const bool got = std::fgets(line, sizeof(line), pipe) != nullptr;
  const int status = pclose(pipe);
  return got && status == 0 ? std::string(line) : std::string();
}

inline ModelConfig gpt2_small_config() {
  ModelConfig c;
  c.family = "gpt2";
  c.vocab_size = 50257;
  c.n_layer = 12;
  c.n_head = 12;
  c.n_kv_head = 12;
  c.d_model = 768;
  c.d_ff = 3072;
  c.max_seq_len = 1024;
  c.norm = NormType::LayerNorm;
  c.norm_eps = 1e-5;
  c.position = PositionType::Learned;
  c.mlp = MlpType::GELUTanh;
  c.fused_qkv = true;
  c.attn_bias = c.o_bias = c.mlp_bias = true;
  c.tie_embeddings = true;
  c.bos_id = c.eos_id = c.pad_id = 50256;  // GPT-2's <|endoftext|>
  c.validate("the GPT-2-small benchmark config");
  return c;
}

// `n` ids drawn uniformly from [low, high).
inline TokenIds random_ids(std::mt19937_64& rng, size_t n, int64_t low, int64_t high) {
  std::uniform_int_distribution<int64_t> pick(low, high - 1);
  TokenIds ids(n);
  for (auto& id : ids) id = pick(rng);
  return ids;
}

}  // namespace sy::bench
