// Fuzz target: a tokenizer.json (vocabulary, merges, added tokens, normalizer, pre-tokenizer,
// post-processor, decoder), read and then used to encode and decode a few texts.
#include "engine/tokenizer/hf_tokenizer.h"
#include "engine/util/json_file.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sy::fuzz::run([&] {
    const nlohmann::json json = sy::parse_json(sy::fuzz::as_text(data, size), "tokenizer.json");
    const sy::HfTokenizer tokenizer(json, "tokenizer.json");
    for (const char* text :
         {"Hello world", " a\tb\n\n c", "\xC3\xBCn\xC3\xAF \xE6\x97\xA5\xE6\x9C\xAC",
          "<s>x</s><|endoftext|>", "\xFF\xFE broken", ""}) {
      const sy::TokenIds ids = tokenizer.encode(text);
      tokenizer.decode(ids, true);
      tokenizer.decode(tokenizer.encode_with_special(text), false);
    }
    const int64_t n = tokenizer.vocab_size();
    tokenizer.decode({0, 1, n - 1, n, -1, int64_t{1} << 40}, false);
    tokenizer.id_to_token(n - 1);
  });
}
