// bench_generate: greedy generation speed of sy::generate with and without the KV cache, in new
// tokens per second, for the built-in byte-level model and a GPT-2-small shape (both randomly
// initialised). Every row generates exactly the asked number of tokens: the benchmark models get
// eos_id = -1, an id argmax can never return, so no row stops early (ids are otherwise unchanged).
// Usage: bench_generate [--quick] [--only builtin|gpt2] [--threads N]
#include <chrono>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include <torch/utils.h>

#include "bench/bench_util.h"
#include "engine/generate/generation.h"
#include "engine/model/model_config.h"
#include "engine/model/transformer.h"
#include "engine/tokenizer/byte_tokenizer.h"
#include "engine/util/device.h"

namespace {

using sy::bench::fixed;

struct Timing {
  double tokens_per_s = 0;
  int runs = 0;
  bool exact_length = true;  // every row got exactly max_new_tokens tokens
  std::vector<sy::TokenIds> outputs;
};

// One warm-up call (2 new tokens), then timed calls until at least `min_seconds` have passed
// (at most `max_runs` calls, at least one).
Timing time_generation(sy::TransformerLM& model, const std::vector<sy::TokenIds>& prompts,
                       int64_t new_tokens, bool use_cache, double min_seconds, int max_runs) {
  sy::GenerationOptions options;
  options.max_new_tokens = 2;
  options.use_cache = use_cache;
  options.batch_size = static_cast<int64_t>(prompts.size());  // one forward batch
  sy::generate(model, prompts, options);

  options.max_new_tokens = new_tokens;
  Timing t;
  double seconds = 0;
  int64_t tokens = 0;
  while (t.runs < max_runs && (t.runs == 0 || seconds < min_seconds)) {
    const auto start = std::chrono::steady_clock::now();
    t.outputs = sy::generate(model, prompts, options);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto& out : t.outputs) {
      tokens += static_cast<int64_t>(out.size());
      if (static_cast<int64_t>(out.size()) != new_tokens) t.exact_length = false;
    }
    ++t.runs;
  }
  t.tokens_per_s = static_cast<double>(tokens) / seconds;
  return t;
}

struct Case {
  std::string model;
  sy::ModelConfig config;
  int64_t batch;
  int64_t prompt_len;
  int64_t new_tokens;
  int64_t first_id, last_id;  // prompt ids are drawn from [first_id, last_id)
  int64_t bos_id;             // put first in every prompt; -1 for none
};

int usage(const char* why) {
  std::fprintf(stderr,
               "bench_generate: %s\nusage: bench_generate [--quick] "
               "[--only builtin|gpt2] [--threads N]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string only;
  std::string threads;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
      if (only != "builtin" && only != "gpt2") return usage("--only expects builtin or gpt2");
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      return usage("prints a table of generation speed with and without the KV cache");
    } else {
      return usage(("unknown or incomplete option \"" + arg + "\"").c_str());
    }
  }

  try {
    if (!sy::bench::start_benchmark(threads)) {
      return usage("--threads expects a positive whole number");
    }

    auto builtin = sy::builtin_model_config();
    builtin.eos_id = -1;  // never produced: every row runs to max_new_tokens
    auto gpt2 = sy::bench::gpt2_small_config();
    gpt2.eos_id = -1;
    const int64_t builtin_new = quick ? 30 : 100;
    const int64_t gpt2_new = quick ? 8 : 32;
    std::vector<Case> cases;
    if (only.empty() || only == "builtin") {
      for (int64_t batch : {1, 32}) {
        cases.push_back(
            {"builtin", builtin, batch, 80, builtin_new, 0, 256, sy::ByteTokenizer::kBos});
      }
    }
    if (only.empty() || only == "gpt2") {
      for (int64_t batch : {1, 8}) {
        cases.push_back({"gpt2-small", gpt2, batch, 80, gpt2_new, 0, 50256, -1});
      }
    }

    std::vector<std::vector<std::string>> rows = {{"model", "batch", "prompt", "new tokens",
                                                   "KV cache", "new tokens/s", "speed-up",
                                                   "timed runs", "same output"}};
    std::string last_model;
    sy::TransformerLM model{nullptr};
    for (const auto& c : cases) {
      if (c.model != last_model) {
        torch::manual_seed(0);
        model = sy::TransformerLM(c.config);
        last_model = c.model;
      }
      std::mt19937_64 rng(static_cast<uint64_t>(c.batch));
      std::vector<sy::TokenIds> prompts;
      for (int64_t b = 0; b < c.batch; ++b) {
        const size_t body = static_cast<size_t>(c.prompt_len - (c.bos_id >= 0 ? 1 : 0));
        auto ids = sy::bench::random_ids(rng, body, c.first_id, c.last_id);
        if (c.bos_id >= 0) ids.insert(ids.begin(), c.bos_id);
        prompts.push_back(std::move(ids));
      }
      // Few runs for the slow rows; short rows repeat until a second has passed.
      const int max_runs = quick ? 1 : 10;
      std::fprintf(stderr, "running %s batch %lld without the cache\n", c.model.c_str(),
                   static_cast<long long>(c.batch));
      const auto off = time_generation(model, prompts, c.new_tokens, false, 1.0, max_runs);
      std::fprintf(stderr, "running %s batch %lld with the cache\n", c.model.c_str(),
                   static_cast<long long>(c.batch));
      const auto on = time_generation(model, prompts, c.new_tokens, true, 1.0, max_runs);
      if (!off.exact_length || !on.exact_length) {
        std::fprintf(stderr, "warning: some rows stopped before %lld new tokens\n",
                     static_cast<long long>(c.new_tokens));
      }
      const std::string same = off.outputs == on.outputs ? "yes" : "no";
      const std::string common[] = {c.model, std::to_string(c.batch), std::to_string(c.prompt_len),
                                    std::to_string(c.new_tokens)};
      rows.push_back({common[0], common[1], common[2], common[3], "off", fixed(off.tokens_per_s, 1),
                      "1.00x", std::to_string(off.runs), ""});
      rows.push_back({common[0], common[1], common[2], common[3], "on", fixed(on.tokens_per_s, 1),
                      fixed(on.tokens_per_s / off.tokens_per_s, 2) + "x", std::to_string(on.runs),
                      same});
    }
    std::printf(
        "Greedy generation, randomly initialised models (new tokens/s = batch x new "
        "tokens / wall time of sy::generate; one warm-up call per row excluded):\n\n");
    sy::bench::print_table(rows);
    std::printf("\nload average at end: %s\n", sy::bench::load_average().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_generate: %s\n", e.what());
    return 1;
  }
  return 0;
}
