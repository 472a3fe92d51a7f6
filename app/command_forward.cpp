// `switchyard-engine forward`: logits for a batch of token ids, in FP32, for parity checks against
// reference implementations: IN.json {"input_ids": [[...]...], "attention_mask": [[...]...]}
// (other fields are ignored, so a fixture's expected.json serves as input). --model takes our own
// folders and Hugging Face ones (docs/models.md), --adapter a PEFT folder. Rows may be left-padded:
// positions come from the attention mask, as transformers' generate() derives them.
#include <fstream>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "app/cli_common.h"
#include "app/commands.h"
#include "engine/model/adapter_io.h"
#include "engine/model/checkpoint.h"
#include "engine/model/forward_input.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {

int command_forward(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {});
  args.check({"model", "adapter", "input", "output", "weights-dtype"});
  LoadedModel loaded =
      load_model(args.str("model", builtin_model_dir()), weights_dtype_from_args(args));
  AdapterId adapter = kNoAdapter;
  if (args.has("adapter")) adapter = load_adapter(args.str("adapter"), loaded.model, "cli");
  const std::string in_path = args.required("input");
  const ModelConfig& config = loaded.model->config();
  const ForwardInput in = forward_input_from_json(read_json_file(in_path), in_path,
                                                  config.vocab_size, config.max_seq_len);
  const auto ids = torch::tensor(in.input_ids, torch::kLong).view({in.rows, in.length});
  torch::Tensor mask;
  if (!in.attention_mask.empty()) {
    mask = torch::tensor(in.attention_mask, torch::kLong).view({in.rows, in.length});
  }
  torch::NoGradGuard no_grad;
  const auto logits =
      loaded.model->forward(ids, mask, nullptr, adapter).to(torch::kFloat).contiguous();
  nlohmann::json out = nlohmann::json::array();
  const float* p = logits.data_ptr<float>();
  for (int64_t b = 0; b < logits.size(0); ++b) {
    nlohmann::json batch = nlohmann::json::array();
    for (int64_t t = 0; t < logits.size(1); ++t) {
      const float* row = p + (b * logits.size(1) + t) * logits.size(2);
      batch.push_back(std::vector<float>(row, row + logits.size(2)));
    }
    out.push_back(batch);
  }
  write_json_file(args.required("output"), {{"logits", out}});
  return 0;
}

}  // namespace sy
