// switchcit (Wu et al. 2024): a fresh LoRA expert per task from the frozen base, plus a switch
// network that reads each request's instruction and input, predicts its task, and hands it to
// that task's expert. After every stage the switch is retrained from scratch on the retained
// prompts (never responses) of all tasks seen so far. Old experts are never touched again.
#include "engine/cl/retention.h"
#include "engine/cl/run_seeds.h"
#include "engine/cl/strategy.h"
#include "engine/cl/switch_network.h"

namespace sy {
namespace {

class SwitchCit : public Strategy {
 public:
  SwitchCit(const StrategySpec& spec, ClContext& ctx) : spec_(spec), ctx_(ctx) {}

  void learn(size_t stage) override {
    experts_.resize(stage + 1);
    experts_[stage] = ctx_.bank->expert(ctx_, stage, spec_.lora, spec_.training);
    retain(stage);
    fit_switch(stage);
  }

  // The switch is not part of the state: it is refitted, exactly as it was, from the retained
  // prompts (a seeded choice, recomputed here) with the stage's seed.
  NamedTensors state() override { return experts_state(ctx_, experts_); }
  void restore(size_t stages_done, const NamedTensors& state) override {
    experts_ = restore_experts(ctx_, stages_done, spec_, state);
    retained_.clear();
    for (size_t stage = 0; stage < stages_done; ++stage) retain(stage);
    if (stages_done > 0) fit_switch(stages_done - 1);  // as it was after that stage
  }
  std::optional<AdapterId> stage_adapter(size_t stage) override {
    return experts_.at(stage).adapter;
  }

  Reply ask(const Example& request, std::optional<size_t> adapter) override {
    const torch::Tensor p = switch_->probabilities(features({switch_query(request)}))[0];
    std::vector<double> probabilities(static_cast<size_t>(p.size(0)));
    for (size_t k = 0; k < probabilities.size(); ++k) {
      probabilities[k] = p[static_cast<int64_t>(k)].item<double>();
    }
    const size_t routed = static_cast<size_t>(p.argmax().item<int64_t>());
    Reply reply = ask_expert(ctx_, experts_, request, adapter, routed);
    reply.probabilities = std::move(probabilities);
    return reply;
  }
  std::vector<size_t> task_adapters() const override { return expert_positions(experts_); }
  bool has_router() const override { return true; }

  std::vector<std::string> answer(size_t task) override {
    const auto routes = switch_->route(test_features(task));
    // Each expert answers the requests routed to it, all in one batch.
    std::vector<std::vector<size_t>> by_expert(experts_.size());
    for (size_t i = 0; i < routes.size(); ++i)
      by_expert[static_cast<size_t>(routes[i])].push_back(i);
    std::vector<std::string> out(routes.size());
    for (size_t e = 0; e < experts_.size(); ++e) {
      if (by_expert[e].empty()) continue;
      auto answers = answer_fixed(ctx_, experts_[e].key, experts_[e].adapter, task, by_expert[e]);
      for (size_t k = 0; k < answers.size(); ++k) out[by_expert[e][k]] = std::move(answers[k]);
    }
    return out;
  }

  std::optional<RouterStage> router() override {
    std::vector<int64_t> truth, predicted;
    for (size_t t = 0; t < experts_.size(); ++t) {
      const auto routes = switch_->route(test_features(t));
      truth.insert(truth.end(), routes.size(), static_cast<int64_t>(t));
      predicted.insert(predicted.end(), routes.begin(), routes.end());
    }
    RouterStage r;
    r.confusion = confusion_matrix(truth, predicted, static_cast<int64_t>(experts_.size()));
    r.accuracy = routing_accuracy(truth, predicted);
    return r;
  }

 private:
  // Trains the switch from scratch on the retained prompts of every task seen so far.
  void fit_switch(size_t stage) {
    std::vector<int64_t> labels;
    for (size_t t = 0; t < retained_.size(); ++t) {
      labels.insert(labels.end(), static_cast<size_t>(retained_[t].size(0)),
                    static_cast<int64_t>(t));
    }
    SwitchOptions options = spec_.switch_options;
    options.seed = stage_seed(ctx_.seed, stage);
    switch_->fit(torch::cat(retained_, 0), labels, static_cast<int64_t>(retained_.size()), options);
  }

  // Keeps the features of the task's retained prompts (never its responses).
  void retain(size_t stage) {
    const auto& task = (*ctx_.tasks)[stage];
    std::vector<SwitchQuery> kept;
    for (size_t i :
         retain_indices(task.train.size(), spec_.retention, static_cast<size_t>(spec_.min_retained),
                        retention_sample_seed(ctx_.seed, stage))) {
      kept.push_back(switch_query(task.train[i]));
    }
    retained_.push_back(features(kept));
  }

  torch::Tensor features(const std::vector<SwitchQuery>& queries) {
    return extract_switch_features(ctx_.base->model, *ctx_.base->tokenizer, queries,
                                   spec_.switch_options.pooling);
  }

  // The extractor is frozen, so each task's test features are computed once.
  const torch::Tensor& test_features(size_t task) {
    if (test_features_.size() <= task) test_features_.resize(task + 1);
    if (!test_features_[task].defined()) {
      std::vector<SwitchQuery> queries;
      for (const auto& e : (*ctx_.tasks)[task].test) queries.push_back(switch_query(e));
      test_features_[task] = features(queries);
    }
    return test_features_[task];
  }

  StrategySpec spec_;
  ClContext& ctx_;
  std::vector<Expert> experts_;
  std::vector<torch::Tensor> retained_;  // features of the retained prompts, per task
  std::vector<torch::Tensor> test_features_;
  SwitchNetwork switch_;
};

}  // namespace

std::unique_ptr<Strategy> make_switchcit(const StrategySpec& spec, ClContext& ctx) {
  return std::make_unique<SwitchCit>(spec, ctx);
}

}  // namespace sy
