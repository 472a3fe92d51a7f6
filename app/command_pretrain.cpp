// `switchyard-engine pretrain`: trains a base model from scratch on the generated corpus. This is
// how resources/base-model was made (its README has the exact command and seed).
#include <iostream>

#include <torch/utils.h>

#include "app/cli_common.h"
#include "app/commands.h"
#include "engine/data/pretrain_corpus.h"
#include "engine/model/byte_tokenizer.h"
#include "engine/model/checkpoint.h"
#include "engine/util/device.h"
#include "engine/util/json_file.h"
#include "engine/util/progress.h"

namespace sy {

int command_pretrain(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {});
  auto known = kTrainOptionNames;
  known.insert({"out", "documents", "config", "device"});
  args.check(known);
  const std::string out = args.required("out");
  TrainOptions defaults;
  defaults.steps = 3000;
  defaults.batch_size = 32;
  defaults.lr = 2e-3;
  defaults.weight_decay = 0.01;
  defaults.schedule = LrSchedule::Cosine;
  defaults.warmup_steps = 100;
  const TrainOptions options = train_options_from_args(args, defaults);
  const int64_t documents = args.integer("documents", 200000);

  ModelConfig config = builtin_model_config();
  if (args.has("config"))
    config = model_config_from_json(read_json_file(args.str("config")), args.str("config"));
  torch::manual_seed(options.seed);  // the initial weights
  TransformerLM model(config);
  model->to(pick_device(args.str("device", "auto")));
  ByteTokenizer tokenizer;
  std::vector<EncodedExample> data;
  for (const auto& doc :
       make_pretrain_corpus(options.seed, static_cast<size_t>(documents), config.prompt_template)) {
    data.push_back(encode_document(tokenizer, doc));
  }
  std::cerr << "pretraining a " << count_parameters(model->parameters()) << "-parameter model on "
            << data.size() << " documents" << std::endl;
  auto result = train(model, data, full_finetune_target(model), options,
                      progress_printer("pretrain"), &cancel_flag());
  if (result.cancelled) {
    std::cerr << "cancelled at step " << result.steps_done << "; nothing was saved" << std::endl;
    return 130;
  }
  model->to(torch::kCPU);
  save_model(out, model);
  std::cout << "saved the pretrained model to " << out << " (" << result.steps_done << " steps, "
            << format_duration(result.seconds) << ", final loss " << result.losses.back() << ")"
            << std::endl;
  return 0;
}

}  // namespace sy
