// The switch of SwitchCIT: features of a request read by a frozen language model, and a small
// classifier that names the task the request belongs to, so the request goes to that task's
// adapter. The extractor is frozen, so features are computed once per prompt and cached by the
// caller; the classifier is retrained from scratch after every stage on the retained prompts of
// all tasks seen so far.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "engine/data/task.h"
#include "engine/model/transformer.h"
#include "engine/tokenizer/tokenizer.h"

namespace sy {

// What the switch reads of a request: its instruction and its input, never the response template
// that follows them in a prompt (shared by every task, it would make the features task-blind).
struct SwitchQuery {
  std::string instruction;
  std::string input;
};
SwitchQuery switch_query(const Example& example);

// How one query's hidden states become one feature vector:
//  - last-token: the state of the query's last token (the paper's choice);
//  - mean: the mean over the tokens of instruction + "\n" + input;
//  - split-mean: the mean over the instruction's tokens next to the mean over the input's (the
//    instruction alone when there is none), 2 x d_model features. The instruction names the task
//    and the input only blurs it when pooled together; measured on the built-in tasks with 50
//    retained prompts a task: last-token 0.52, mean 0.98, split-mean 1.00 (test_switch prints it).
enum class SwitchPooling { LastToken, Mean, SplitMean };

// "last-token", "mean" or "split-mean"; anything else is an sy::Error naming `source`.
SwitchPooling parse_switch_pooling(const std::string& name, const std::string& source);
const char* switch_pooling_name(SwitchPooling pooling);

// Features [N, d] (float32, CPU, rows in the order of `queries`) of the extractor's final-norm
// hidden states over BOS + the text read, with no adapter; d = d_model, or 2 x d_model for
// split-mean. Texts longer than the context keep their first tokens (the instruction, which names
// the task). Throws sy::Error for a text with no tokens at all.
torch::Tensor extract_switch_features(TransformerLM& extractor, const Tokenizer& tokenizer,
                                      const std::vector<SwitchQuery>& queries,
                                      SwitchPooling pooling, int64_t batch_size = 64);

struct SwitchOptions {
  SwitchPooling pooling = SwitchPooling::SplitMean;  // recorded with the switch; features use it
  bool standardize = true;  // z-score each feature with the training set's mean and std
  int64_t hidden = 200;
  double lr = 1e-3;            // AdamW
  double weight_decay = 0.01;  // AdamW's (PyTorch's default)
  int64_t epochs = 20;
  int64_t batch_size = 32;
  uint64_t seed = 0;  // initial weights and batch order
};

// Linear(d, hidden) -> ReLU -> Linear(hidden, classes) over standardised features. Small enough
// to live on the CPU: a hundred prompts for twenty epochs train in milliseconds.
class SwitchNetworkImpl : public torch::nn::Module {
 public:
  SwitchNetworkImpl();

  // Trains from scratch (new weights for `n_classes` classes, new standardisation) on features
  // [N, d] with labels in [0, n_classes): cross-entropy, shuffled mini-batches, deterministic for
  // a given seed. Throws sy::Error for mismatched sizes, a label out of range or a bad option.
  void fit(const torch::Tensor& features, const std::vector<int64_t>& labels, int64_t n_classes,
           const SwitchOptions& options);

  // Softmax over the classes, [N, classes]. Throws sy::Error before the first fit.
  torch::Tensor probabilities(const torch::Tensor& features);
  // The most probable class of each row.
  std::vector<int64_t> route(const torch::Tensor& features);

  int64_t classes() const { return classes_; }
  int64_t feature_dim() const { return feature_mean_.numel(); }
  // The pooling the training features were made with; queries to route need the same.
  SwitchPooling pooling() const { return pooling_; }

  // Safetensors with the weights and the standardisation; metadata records the pooling (plus
  // whatever the caller adds, e.g. task names).
  void save(const std::string& path, const std::map<std::string, std::string>& metadata = {}) const;
  // Replaces this switch with the one saved at `path`; `metadata`, when given, receives the
  // file's metadata. Throws sy::Error naming the file for a missing or misshapen tensor.
  void load(const std::string& path, std::map<std::string, std::string>* metadata = nullptr);

  torch::nn::Linear hidden{nullptr}, out{nullptr};

 private:
  // (Re)creates the layers and the standardisation buffers for these sizes.
  void build(int64_t features, int64_t hidden_units, int64_t n_classes);
  torch::Tensor logits(const torch::Tensor& features);

  torch::Tensor feature_mean_, feature_std_;
  int64_t classes_ = 0;
  SwitchPooling pooling_ = SwitchPooling::SplitMean;
};
TORCH_MODULE(SwitchNetwork);

// A switch loaded from what SwitchNetworkImpl::save wrote.
SwitchNetwork load_switch(const std::string& path,
                          std::map<std::string, std::string>* metadata = nullptr);

// C[true][predicted], n_classes x n_classes. Throws sy::Error for mismatched sizes or a class
// out of range.
std::vector<std::vector<int64_t>> confusion_matrix(const std::vector<int64_t>& truth,
                                                   const std::vector<int64_t>& predicted,
                                                   int64_t n_classes);
// The fraction of rows routed to their true class; 0 for no rows.
double routing_accuracy(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted);

}  // namespace sy
