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
  const nlohmann::json in = read_json_file(in_path);
  auto rows = [&](const char* field) {
    const auto& v = in.at(field);
    std::vector<int64_t> flat;
    size_t width = 0;
    if (!v.is_array() || v.empty())
      throw Error(in_path + ": field \"" + std::string(field) +
                  "\" must be a non-empty list of lists");
    for (const auto& row : v) {
      if (!row.is_array() || (width && row.size() != width) || row.empty()) {
        throw Error(in_path + ": field \"" + std::string(field) +
                    "\" must hold rows of one length");
      }
      width = row.size();
      for (const auto& x : row) flat.push_back(x.get<int64_t>());
    }
    return torch::tensor(flat, torch::kLong)
        .view({static_cast<int64_t>(v.size()), static_cast<int64_t>(width)});
  };
  if (!in.contains("input_ids")) throw Error(in_path + ": field \"input_ids\" is missing");
  const auto ids = rows("input_ids");
  torch::Tensor mask;
  if (in.contains("attention_mask")) mask = rows("attention_mask");
  if (ids.max().item<int64_t>() >= loaded.model->config().vocab_size ||
      ids.min().item<int64_t>() < 0) {
    throw Error(in_path + ": field \"input_ids\" holds an id outside the vocabulary (0 to " +
                std::to_string(loaded.model->config().vocab_size - 1) + ")");
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
