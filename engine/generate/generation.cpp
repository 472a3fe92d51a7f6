// Generation. Prompts are left-padded so that every row's next token sits in the last column;
// positions and masks come from the attention mask, so padding changes no row's result.
#include "engine/generate/generation.h"

#include <algorithm>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/utils.h>

#include "engine/util/error.h"

namespace sy {
namespace {

// Picks the next token per row from last-position logits [B, V].
torch::Tensor next_tokens(const torch::Tensor& logits, const GenerationOptions& options,
                          at::Generator& generator) {
  if (options.temperature <= 0.0) return logits.argmax(-1);
  auto probs = torch::softmax(logits.to(torch::kFloat).cpu() / options.temperature, -1);
  if (options.top_p < 1.0) {
    // Keep the smallest set of most likely tokens whose mass reaches top_p (always >= 1 token).
    auto sorted = probs.sort(-1, /*descending=*/true);
    auto sorted_probs = std::get<0>(sorted);
    auto sorted_index = std::get<1>(sorted);
    auto mass_before = sorted_probs.cumsum(-1) - sorted_probs;
    sorted_probs = sorted_probs.masked_fill(mass_before >= options.top_p, 0.0);
    probs = torch::zeros_like(probs).scatter(-1, sorted_index, sorted_probs);
  }
  return at::multinomial(probs, 1, false, generator).squeeze(-1).to(logits.device());
}

std::vector<TokenIds> generate_batch(TransformerLM& model, const std::vector<TokenIds>& prompts,
                                     const GenerationOptions& options, at::Generator& generator) {
  const auto& config = model->config();
  const int64_t B = static_cast<int64_t>(prompts.size());
  int64_t longest = 0;
  for (const auto& p : prompts) {
    if (p.empty()) throw Error("cannot generate from an empty prompt");
    longest = std::max<int64_t>(longest, static_cast<int64_t>(p.size()));
  }
  auto device = model->tok_emb->weight.device();
  auto ids = torch::full({B, longest}, config.pad_id, torch::kLong);
  auto mask = torch::zeros({B, longest}, torch::kLong);
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = prompts[static_cast<size_t>(b)];
    const int64_t offset = longest - static_cast<int64_t>(p.size());
    ids[b].narrow(0, offset, static_cast<int64_t>(p.size())).copy_(torch::tensor(p, torch::kLong));
    mask[b].narrow(0, offset, static_cast<int64_t>(p.size())).fill_(1);
  }
  ids = ids.to(device), mask = mask.to(device);

  // A learned position table cannot go past the context length: stop there.
  int64_t budget = options.max_new_tokens;
  if (config.position == PositionType::Learned) {
    // A prompt that fills the table leaves no room for even one token: say so rather than answer
    // nothing.
    if (longest >= config.max_seq_len && budget > 0) {
      throw Error("a prompt of " + std::to_string(longest) +
                  " tokens leaves no room in the model's context length of " +
                  std::to_string(config.max_seq_len) + " tokens; expected a prompt of at most " +
                  std::to_string(config.max_seq_len - 1) + " tokens");
    }
    budget = std::min(budget, config.max_seq_len - longest);
  }
  std::vector<TokenIds> out(static_cast<size_t>(B));
  std::vector<bool> done(static_cast<size_t>(B), false);
  KVCache cache = model->make_cache();
  torch::Tensor step_ids = ids, step_mask = mask;
  for (int64_t t = 0; t < budget; ++t) {
    torch::Tensor logits;
    if (options.use_cache) {
      logits = model->forward(step_ids, step_mask, &cache, options.adapter);
    } else {
      logits = model->forward(ids, mask, nullptr, options.adapter);
    }
    auto next = next_tokens(logits.select(1, logits.size(1) - 1), options, generator);
    auto next_cpu = next.cpu();
    bool all_done = true;
    for (int64_t b = 0; b < B; ++b) {
      if (done[static_cast<size_t>(b)]) continue;
      const int64_t token = next_cpu[b].item<int64_t>();
      if (config.is_eos(token)) {
        done[static_cast<size_t>(b)] = true;
      } else {
        out[static_cast<size_t>(b)].push_back(token);
        all_done = false;
      }
    }
    if (all_done) break;
    step_ids = next.view({B, 1});
    step_mask = torch::ones({B, 1}, mask.options());
    if (!options.use_cache) {
      ids = torch::cat({ids, step_ids}, 1);
      mask = torch::cat({mask, step_mask}, 1);
    }
  }
  return out;
}

}  // namespace

std::vector<TokenIds> generate(TransformerLM& model, const std::vector<TokenIds>& prompts,
                               const GenerationOptions& options) {
  torch::NoGradGuard no_grad;
  AutocastScope autocast(options.precision, model->tok_emb->weight.device());
  const bool was_training = model->is_training();
  model->eval();
  at::Generator generator = at::detail::createCPUGenerator(options.seed);
  // Similar lengths batch together, so little compute goes to padding; results keep input order.
  std::vector<size_t> order(prompts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return prompts[a].size() < prompts[b].size(); });
  std::vector<TokenIds> results(prompts.size());
  const size_t batch = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  for (size_t start = 0; start < order.size(); start += batch) {
    std::vector<TokenIds> chunk;
    const size_t end = std::min(order.size(), start + batch);
    for (size_t i = start; i < end; ++i) chunk.push_back(prompts[order[i]]);
    auto generated = generate_batch(model, chunk, options, generator);
    for (size_t i = start; i < end; ++i) results[order[i]] = std::move(generated[i - start]);
  }
  if (was_training) model->train();
  return results;
}

}  // namespace sy
