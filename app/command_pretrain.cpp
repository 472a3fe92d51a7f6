// `switchyard-engine pretrain`: trains a base model from scratch on the generated corpus. This is
// how resources/base-model was made (its README has the exact command and seed).
#include <filesystem>
#include <iostream>

#include <torch/utils.h>

#include "app/cli_common.h"
#include "app/commands.h"
#include "engine/data/pretrain_corpus.h"
#include "engine/model/checkpoint.h"
#include "engine/tokenizer/bpe_trainer.h"
#include "engine/tokenizer/byte_tokenizer.h"
#include "engine/tokenizer/hf_tokenizer.h"
#include "engine/util/device.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"
#include "engine/util/progress.h"
#include "storage/run_format.h"

namespace sy {
namespace fs = std::filesystem;

int command_pretrain(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {});
  auto known = kTrainOptionNames;
  known.insert({"out", "documents", "config", "device", "tokenizer", "vocab"});
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
  const auto corpus =
      make_pretrain_corpus(options.seed, static_cast<size_t>(documents), config.prompt_template);
  // Bytes by default; --vocab learns a BPE vocabulary from the corpus, --tokenizer reads one.
  std::shared_ptr<const Tokenizer> tokenizer = std::make_shared<ByteTokenizer>();
  std::shared_ptr<const HfTokenizer> subwords;
  nlohmann::json tokenizer_json;
  if (args.has("vocab") && args.has("tokenizer")) {
    throw Error("pretrain: give --vocab (learn a vocabulary) or --tokenizer (use one), not both");
  }
  if (args.has("vocab")) {
    const auto vocabulary =
        train_byte_level_bpe(corpus, args.integer("vocab", 0), {"<pad>", "<bos>", "<eos>"});
    tokenizer_json = bpe_tokenizer_json(vocabulary);
    auto learned = std::make_shared<HfTokenizer>(tokenizer_json, "tokenizer.json");
    learned->set_special_ids(learned->token_to_id("<bos>"), learned->token_to_id("<eos>"),
                             learned->token_to_id("<pad>"));
    subwords = learned;
    std::cerr << "learned a vocabulary of " << subwords->vocab_size() << " tokens ("
              << vocabulary.merges.size() << " merges)" << std::endl;
  } else if (args.has("tokenizer")) {
    const std::string source = args.str("tokenizer");
    subwords = load_hf_tokenizer(source);
    const std::string file =
        fs::is_directory(source) ? (fs::path(source) / "tokenizer.json").string() : source;
    tokenizer_json = read_json_file(file);
    // Training pads batches and ends every document with EOS.
    for (const auto& [name, id] : {std::pair<const char*, int64_t>{"eos", subwords->eos_id()},
                                   {"pad", subwords->pad_id()}}) {
      if (id < 0) {
        throw Error(file + " has no " + name + " token; expected one named by \"" + name +
                    "_token\" in the tokenizer_config.json beside it");
      }
    }
  }
  if (subwords) {
    tokenizer = subwords;
    config.vocab_size = subwords->vocab_size();
    config.bos_id = subwords->bos_id();
    config.eos_id = subwords->eos_id();
    config.pad_id = subwords->pad_id();
  }
  torch::manual_seed(options.seed);  // the initial weights
  TransformerLM model(config);
  model->to(pick_device(args.str("device", "auto")));
  std::vector<EncodedExample> data;
  for (const auto& doc : corpus) data.push_back(encode_document(*tokenizer, doc));
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
  if (subwords) {
    write_json_file((fs::path(out) / "tokenizer.json").string(), tokenizer_json);
    nlohmann::json specials;  // what load_hf_tokenizer reads the special ids from
    for (const auto& [field, id] : {std::pair<const char*, int64_t>{"bos_token", config.bos_id},
                                    {"eos_token", config.eos_id},
                                    {"pad_token", config.pad_id}}) {
      if (id >= 0) specials[field] = subwords->id_to_token(id);
    }
    write_json_file((fs::path(out) / "tokenizer_config.json").string(), specials);
  }
  std::cout << "saved the pretrained model to " << out << " (" << result.steps_done << " steps, "
            << store::format_duration(result.seconds) << ", final loss " << result.losses.back()
            << ")" << std::endl;
  return 0;
}

}  // namespace sy
