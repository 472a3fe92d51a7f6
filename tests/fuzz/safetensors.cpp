// Fuzz target: a safetensors file (header length, JSON header, dtypes, shapes, data offsets),
// opened as loading a checkpoint or an adapter opens it, and every tensor's bytes read.
#include "engine/model/safetensors.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = sy::fuzz::as_file(data, size, "model.safetensors");
  return sy::fuzz::run([&] {
    const sy::SafetensorsFile file = sy::SafetensorsFile::open(path);
    uint64_t sum = 0;
    for (const sy::TensorEntry& t : file.tensors()) {
      for (size_t i = 0; i < t.nbytes; ++i) sum += t.data[i];
      if (file.find(t.name) != &t) std::abort();
    }
    for (const auto& [key, value] : file.metadata()) sum += key.size() + value.size();
    volatile uint64_t sink = sum;
    (void)sink;
  });
}
