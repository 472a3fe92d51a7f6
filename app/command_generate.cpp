// `switchyard-engine generate`: a prompt in, text out, optionally through an adapter.
#include <iostream>

#include "app/cli_common.h"
#include "app/commands.h"
#include "engine/data/prompt_template.h"
#include "engine/generate/generation.h"
#include "engine/model/adapter_io.h"
#include "engine/model/checkpoint.h"
#include "engine/train/batching.h"
#include "engine/util/device.h"
#include "engine/util/error.h"

namespace sy {

int command_generate(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"no-cache"});
  args.check({"model", "adapter", "prompt", "instruction", "input", "max-new-tokens", "temperature",
              "top-p", "seed", "device", "weights-dtype"});
  LoadedModel loaded =
      load_model(args.str("model", builtin_model_dir()), weights_dtype_from_args(args));
  GenerationOptions options;
  if (args.has("adapter")) options.adapter = load_adapter(args.str("adapter"), loaded.model, "cli");
  loaded.model->to(pick_device(args.str("device", "auto")));
  options.max_new_tokens = args.integer("max-new-tokens", 100);
  options.temperature = args.number("temperature", 0.0);
  options.top_p = args.number("top-p", 1.0);
  options.seed = static_cast<uint64_t>(args.integer("seed", 0));
  options.use_cache = !args.flag("no-cache");

  TokenIds prompt;
  if (args.has("instruction")) {
    prompt = encode_prompt(*loaded.tokenizer, loaded.model->config().prompt_template,
                           {args.str("instruction"), args.str("input"), ""});
  } else if (args.has("prompt")) {
    const auto& tok = *loaded.tokenizer;
    if (tok.bos_id() >= 0) prompt.push_back(tok.bos_id());
    const auto body = tok.encode(args.str("prompt"));
    prompt.insert(prompt.end(), body.begin(), body.end());
  } else {
    throw Error(
        "give --instruction TEXT [--input TEXT] (formatted with the instruction "
        "template) or --prompt TEXT (used as is)");
  }
  const auto out = generate(loaded.model, {prompt}, options);
  std::cout << loaded.tokenizer->decode(out.front()) << std::endl;
  return 0;
}

}  // namespace sy
