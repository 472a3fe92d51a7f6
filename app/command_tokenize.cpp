// `switchyard-engine tokenize`: a Hugging Face tokenizer.json applied to JSON strings on stdin,
// one {"ids": [...], "decoded": "..."} line per input line, for checking a tokenizer by hand or
// against the Python library.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/tokenizer/hf_tokenizer.h"
#include "engine/util/error.h"
#include "engine/util/json_file.h"

namespace sy {

int command_tokenize(int argc, char** argv) {
  CliArgs args(argc, argv, 2, {"special"});
  args.check({"tokenizer", "special"});
  const auto tokenizer = load_hf_tokenizer(args.required("tokenizer"));
  const bool special = args.flag("special");
  std::string line;
  for (int64_t number = 1; std::getline(std::cin, line); ++number) {
    if (line.empty() || line == "\r") continue;
    const nlohmann::json input = try_parse_json(line).value_or(nlohmann::json());
    if (!input.is_string()) {
      throw Error("stdin line " + std::to_string(number) +
                  " is not a JSON string; expected one text per line, such as \"Hello\"");
    }
    const std::string text = input.get<std::string>();
    const TokenIds ids = special ? tokenizer->encode_with_special(text) : tokenizer->encode(text);
    nlohmann::ordered_json out;
    out["ids"] = ids;
    out["decoded"] = tokenizer->decode(ids, false);
    // One flushed line per input line, so a caller can talk to the process line by line.
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  }
  return 0;
}

}  // namespace sy
