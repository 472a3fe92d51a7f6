// Fuzz target: the input file of `switchyard-engine forward` (input_ids and attention_mask),
// checked against a model of 259 tokens and a context of 256, as the built-in model has.
#include <nlohmann/json.hpp>

#include "engine/model/forward_input.h"
#include "engine/util/json_file.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sy::fuzz::run([&] {
    const nlohmann::json in = sy::parse_json(sy::fuzz::as_text(data, size), "in.json");
    const sy::ForwardInput input = sy::forward_input_from_json(in, "in.json", 259, 256);
    if (static_cast<int64_t>(input.input_ids.size()) != input.rows * input.length) std::abort();
  });
}
