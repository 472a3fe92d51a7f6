// The switch: pooled hidden states of a frozen extractor, standardised, into a two-layer MLP.
// Queries are left-padded so that every row's last real token sits in the last column; the
// attention mask keeps padding out of every real token's state and out of the mean.
#include "engine/cl/switch_network.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>

#include "engine/model/tensor_io.h"
#include "engine/util/error.h"
#include "engine/util/rng.h"

namespace sy {
namespace {

// Puts a module back in training mode on every way out, exceptions included.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::nn::Module& module)
      : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalModeGuard() { module_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

// Features [B, d] of one batch of token lists, as float32 on the CPU.
torch::Tensor pooled_batch(TransformerLM& extractor, const std::vector<const TokenIds*>& rows,
                           SwitchPooling pooling) {
  const auto& config = extractor->config();
  const auto B = static_cast<int64_t>(rows.size());
  int64_t longest = 0;
  for (const auto* r : rows) longest = std::max<int64_t>(longest, static_cast<int64_t>(r->size()));
  auto ids = torch::full({B, longest}, config.pad_id, torch::kLong);
  auto mask = torch::zeros({B, longest}, torch::kLong);
  for (int64_t b = 0; b < B; ++b) {
    const TokenIds& r = *rows[static_cast<size_t>(b)];
    const auto n = static_cast<int64_t>(r.size());
    ids[b].narrow(0, longest - n, n).copy_(torch::tensor(r, torch::kLong));
    mask[b].narrow(0, longest - n, n).fill_(1);
  }
  const auto device = extractor->tok_emb->weight.device();
  mask = mask.to(device);
  auto hidden = extractor->hidden_states(ids.to(device), mask, nullptr, kNoAdapter);
  hidden = hidden.to(torch::kFloat);
  torch::Tensor pooled;
  if (pooling == SwitchPooling::LastToken) {
    pooled = hidden.select(1, longest - 1);  // left padding: every row ends in the last column
  } else {
    // mean = sum over real tokens of h_t / number of real tokens
    const auto weights = mask.to(torch::kFloat).unsqueeze(-1);  // [B, T, 1]
    pooled = (hidden * weights).sum(1) / weights.sum(1);
  }
  return pooled.to(torch::kCPU);
}

// PyTorch's nn.Linear initialisation, U(-1/sqrt(in), 1/sqrt(in)) for weight and bias, but drawn
// from our own generator so a seed gives the same switch whatever else used the global one.
void init_linear(torch::nn::Linear& layer, at::Generator& generator) {
  torch::NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(layer->weight.size(1)));
  layer->weight.uniform_(-bound, bound, generator);
  layer->bias.uniform_(-bound, bound, generator);
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

SwitchQuery switch_query(const Example& example) {
  return {example.instruction, example.input};
}

SwitchPooling parse_switch_pooling(const std::string& name, const std::string& source) {
  if (name == "last-token") return SwitchPooling::LastToken;
  if (name == "mean") return SwitchPooling::Mean;
  if (name == "split-mean") return SwitchPooling::SplitMean;
  throw Error(source + ": field \"pooling\" is \"" + name +
              "\"; expected one of last-token, mean, split-mean.");
}

const char* switch_pooling_name(SwitchPooling pooling) {
  switch (pooling) {
    case SwitchPooling::LastToken:
      return "last-token";
    case SwitchPooling::Mean:
      return "mean";
    case SwitchPooling::SplitMean:
      return "split-mean";
  }
  return "?";
}

namespace {

// One feature row per text, pooled by `pooling` (LastToken or Mean).
torch::Tensor pooled_features(TransformerLM& extractor, const Tokenizer& tokenizer,
                              const std::vector<std::string>& queries, SwitchPooling pooling,
                              int64_t batch_size) {
  torch::NoGradGuard no_grad;
  EvalModeGuard eval_mode(*extractor);
  const auto& config = extractor->config();
  std::vector<TokenIds> tokens(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    TokenIds& t = tokens[i];
    if (tokenizer.bos_id() >= 0) t.push_back(tokenizer.bos_id());
    const TokenIds body = tokenizer.encode(queries[i]);
    t.insert(t.end(), body.begin(), body.end());
    if (static_cast<int64_t>(t.size()) > config.max_seq_len) {
      t.resize(static_cast<size_t>(config.max_seq_len));
    }
    if (t.empty()) {
      throw Error("query " + std::to_string(i) +
                  " is empty and the tokenizer has no BOS token; the switch needs at least one "
                  "token to read.");
    }
  }

  // Similar lengths batch together, so little compute goes to padding; rows keep input order.
  std::vector<size_t> order(tokens.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return tokens[a].size() < tokens[b].size(); });
  auto features = torch::empty({static_cast<int64_t>(queries.size()), config.d_model});
  const auto batch = static_cast<size_t>(std::max<int64_t>(1, batch_size));
  for (size_t start = 0; start < order.size(); start += batch) {
    const size_t end = std::min(order.size(), start + batch);
    std::vector<const TokenIds*> rows;
    std::vector<int64_t> where;
    for (size_t i = start; i < end; ++i) {
      rows.push_back(&tokens[order[i]]);
      where.push_back(static_cast<int64_t>(order[i]));
    }
    features.index_copy_(0, torch::tensor(where, torch::kLong),
                         pooled_batch(extractor, rows, pooling));
  }
  return features;
}

}  // namespace

torch::Tensor extract_switch_features(TransformerLM& extractor, const Tokenizer& tokenizer,
                                      const std::vector<SwitchQuery>& queries,
                                      SwitchPooling pooling, int64_t batch_size) {
  std::vector<std::string> first, second;
  for (const auto& q : queries) {
    if (pooling == SwitchPooling::SplitMean) {
      first.push_back(q.instruction);
      second.push_back(q.input.empty() ? q.instruction : q.input);
    } else {
      first.push_back(q.input.empty() ? q.instruction : q.instruction + "\n" + q.input);
    }
  }
  if (pooling != SwitchPooling::SplitMean) {
    return pooled_features(extractor, tokenizer, first, pooling, batch_size);
  }
  return torch::cat(
      {pooled_features(extractor, tokenizer, first, SwitchPooling::Mean, batch_size),
       pooled_features(extractor, tokenizer, second, SwitchPooling::Mean, batch_size)},
      1);
}

SwitchNetworkImpl::SwitchNetworkImpl() {
  feature_mean_ = register_buffer("feature_mean", torch::zeros({0}));
  feature_std_ = register_buffer("feature_std", torch::ones({0}));
}

void SwitchNetworkImpl::build(int64_t features, int64_t hidden_units, int64_t n_classes) {
  auto place = [this](const std::string& name, torch::nn::Linear layer) -> torch::nn::Linear {
    if (named_children().contains(name)) return replace_module(name, layer);
    return register_module(name, layer);
  };
  hidden = place("hidden", torch::nn::Linear(features, hidden_units));
  out = place("out", torch::nn::Linear(hidden_units, n_classes));
  // set_data keeps the registered buffer the same tensor, now of the new size.
  feature_mean_.set_data(torch::zeros({features}));
  feature_std_.set_data(torch::ones({features}));
  classes_ = n_classes;
}

torch::Tensor SwitchNetworkImpl::logits(const torch::Tensor& features) {
  const auto x = (features - feature_mean_) / feature_std_;
  return out(torch::relu(hidden(x)));
}

void SwitchNetworkImpl::fit(const torch::Tensor& features, const std::vector<int64_t>& labels,
                            int64_t n_classes, const SwitchOptions& options) {
  if (!features.defined() || features.dim() != 2 || features.size(0) == 0) {
    throw Error("the switch needs a non-empty [examples, features] matrix to train on.");
  }
  const int64_t n = features.size(0), d = features.size(1);
  if (static_cast<int64_t>(labels.size()) != n) {
    throw Error("the switch got " + std::to_string(n) + " feature rows but " +
                std::to_string(labels.size()) + " labels.");
  }
  if (n_classes < 1) throw Error("the switch needs at least one class to train.");
  for (const int64_t label : labels) {
    if (label < 0 || label >= n_classes) {
      throw Error("switch label " + std::to_string(label) + " is outside 0.." +
                  std::to_string(n_classes - 1) + ".");
    }
  }
  if (options.hidden < 1 || options.epochs < 0 || options.batch_size < 1 || !(options.lr > 0) ||
      !(options.weight_decay >= 0)) {
    throw Error(
        "switch options: hidden and batch_size must be at least 1, epochs and weight_decay at "
        "least 0, and lr positive.");
  }

  const auto x = features.detach().to(torch::kCPU, torch::kFloat).contiguous();
  build(d, options.hidden, n_classes);
  pooling_ = options.pooling;
  if (options.standardize) {
    torch::NoGradGuard no_grad;
    const auto mean = x.mean(0);
    auto scale = (x - mean).pow(2).mean(0).sqrt();
    // A feature that barely varies in training would be blown up on new queries: floor each std
    // at 1 % of the typical one. With nothing varying (a single example) leave the scale alone.
    const double floor = 0.01 * scale.mean().item<double>();
    scale = floor > 0 ? scale.clamp_min(floor) : torch::ones_like(scale);
    feature_mean_.set_data(mean);
    feature_std_.set_data(scale);
  }

  at::Generator generator = at::detail::createCPUGenerator(options.seed);
  init_linear(hidden, generator);
  init_linear(out, generator);
  const auto y = torch::tensor(labels, torch::kLong);
  torch::optim::AdamW optimizer(
      parameters(), torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay));
  Rng rng(options.seed);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  train();
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    rng.shuffle(order);
    for (int64_t start = 0; start < n; start += options.batch_size) {
      const int64_t end = std::min(n, start + options.batch_size);
      const auto index = torch::tensor(
          std::vector<int64_t>(order.begin() + start, order.begin() + end), torch::kLong);
      const auto loss = torch::nn::functional::cross_entropy(logits(x.index_select(0, index)),
                                                             y.index_select(0, index));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
    }
  }
  eval();
}

torch::Tensor SwitchNetworkImpl::probabilities(const torch::Tensor& features) {
  if (classes_ == 0) throw Error("the switch has not been trained yet; fit it before routing.");
  if (!features.defined() || features.dim() != 2 || features.size(1) != feature_dim()) {
    throw Error("the switch reads [queries, " + std::to_string(feature_dim()) +
                "] features; it got " +
                (features.defined() ? shape_text(features.sizes().vec()) : "none") + ".");
  }
  torch::NoGradGuard no_grad;
  return torch::softmax(logits(features.to(feature_mean_.device(), torch::kFloat)), 1);
}

std::vector<int64_t> SwitchNetworkImpl::route(const torch::Tensor& features) {
  const auto best = probabilities(features).argmax(1).to(torch::kCPU).contiguous();
  return std::vector<int64_t>(best.data_ptr<int64_t>(), best.data_ptr<int64_t>() + best.numel());
}

void SwitchNetworkImpl::save(const std::string& path,
                             const std::map<std::string, std::string>& metadata) const {
  if (classes_ == 0) throw Error("cannot save the switch to " + path + ": it is not trained.");
  NamedTensors tensors;
  for (const auto& p : named_parameters()) tensors[p.key()] = p.value().detach();
  for (const auto& b : named_buffers()) tensors[b.key()] = b.value();
  auto meta = metadata;
  meta["format"] = "switchyard-switch";
  meta["pooling"] = switch_pooling_name(pooling_);
  save_safetensors(path, tensors, meta);
}

void SwitchNetworkImpl::load(const std::string& path,
                             std::map<std::string, std::string>* metadata) {
  std::map<std::string, std::string> meta;
  NamedTensors tensors = load_safetensors(path, &meta);
  auto take = [&](const std::string& name, int64_t dims) {
    auto it = tensors.find(name);
    if (it == tensors.end()) {
      throw Error(path + ": tensor \"" + name + "\" is missing; expected a saved switch.");
    }
    if (it->second.dim() != dims) {
      throw Error(path + ": tensor \"" + name + "\" has shape " +
                  shape_text(it->second.sizes().vec()) + "; expected " + std::to_string(dims) +
                  " dimensions.");
    }
    auto t = it->second.to(torch::kFloat);
    tensors.erase(it);
    return t;
  };
  const auto w1 = take("hidden.weight", 2), b1 = take("hidden.bias", 1);
  const auto w2 = take("out.weight", 2), b2 = take("out.bias", 1);
  const auto mean = take("feature_mean", 1), scale = take("feature_std", 1);
  if (!tensors.empty()) {
    throw Error(path + ": tensor \"" + tensors.begin()->first + "\" is not part of a switch.");
  }
  const int64_t d = w1.size(1), h = w1.size(0), c = w2.size(0);
  const std::vector<std::pair<std::string, std::pair<torch::Tensor, std::vector<int64_t>>>> shapes =
      {{"hidden.bias", {b1, {h}}},
       {"out.weight", {w2, {c, h}}},
       {"out.bias", {b2, {c}}},
       {"feature_mean", {mean, {d}}},
       {"feature_std", {scale, {d}}}};
  for (const auto& [name, check] : shapes) {
    if (check.first.sizes().vec() != check.second) {
      throw Error(path + ": tensor \"" + name + "\" has shape " +
                  shape_text(check.first.sizes().vec()) + "; expected " + shape_text(check.second) +
                  ".");
    }
  }
  if (c < 1) throw Error(path + ": the switch has no classes.");
  const auto pooling = meta.find("pooling");
  if (pooling == meta.end()) throw Error(path + ": metadata \"pooling\" is missing.");
  pooling_ = parse_switch_pooling(pooling->second, path);

  build(d, h, c);
  torch::NoGradGuard no_grad;
  hidden->weight.copy_(w1);
  hidden->bias.copy_(b1);
  out->weight.copy_(w2);
  out->bias.copy_(b2);
  feature_mean_.set_data(mean.clone());
  feature_std_.set_data(scale.clone());
  eval();
  if (metadata) *metadata = std::move(meta);
}

SwitchNetwork load_switch(const std::string& path, std::map<std::string, std::string>* metadata) {
  SwitchNetwork network;
  network->load(path, metadata);
  return network;
}

std::vector<std::vector<int64_t>> confusion_matrix(const std::vector<int64_t>& truth,
                                                   const std::vector<int64_t>& predicted,
                                                   int64_t n_classes) {
  if (truth.size() != predicted.size()) {
    throw Error("a confusion matrix needs as many predictions as true classes (" +
                std::to_string(predicted.size()) + " vs " + std::to_string(truth.size()) + ").");
  }
  if (n_classes < 0) throw Error("a confusion matrix needs a non-negative class count.");
  std::vector<std::vector<int64_t>> matrix(static_cast<size_t>(n_classes),
                                           std::vector<int64_t>(static_cast<size_t>(n_classes)));
  for (size_t i = 0; i < truth.size(); ++i) {
    for (const int64_t c : {truth[i], predicted[i]}) {
      if (c < 0 || c >= n_classes) {
        throw Error("class " + std::to_string(c) + " is outside 0.." +
                    std::to_string(n_classes - 1) + " of the confusion matrix.");
      }
    }
    ++matrix[static_cast<size_t>(truth[i])][static_cast<size_t>(predicted[i])];
  }
  return matrix;
}

double routing_accuracy(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted) {
  if (truth.size() != predicted.size()) {
    throw Error("routing accuracy needs as many predictions as true classes (" +
                std::to_string(predicted.size()) + " vs " + std::to_string(truth.size()) + ").");
  }
  if (truth.empty()) return 0.0;
  size_t right = 0;
  for (size_t i = 0; i < truth.size(); ++i) right += truth[i] == predicted[i] ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(truth.size());
}

}  // namespace sy
