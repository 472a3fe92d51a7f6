// Fuzz target: a model folder's config.json (ours or a Hugging Face family's), read and checked
// as loading the model reads it, before anything is allocated.
#include "engine/model/checkpoint.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = sy::fuzz::as_file(data, size, "config.json");
  const std::string dir = path.substr(0, path.rfind('/'));
  return sy::fuzz::run([&] {
    const sy::ModelConfig config = sy::read_model_config(dir);
    // What the model then computes from it must not overflow (UBSan watches).
    volatile int64_t sink = config.head_dim() * config.n_layer + config.token_dim() * config.d_ff;
    (void)sink;
  });
}
