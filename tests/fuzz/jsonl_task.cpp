// Fuzz target: a JSONL task file (one {"instruction", "input", "output"} object per line), read
// with a small line cap and split into train and test as an experiment's task is.
#include "engine/data/jsonl_import.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = sy::fuzz::as_file(data, size, "task.jsonl");
  return sy::fuzz::run([&] {
    sy::read_jsonl_examples(path, 4096);
    sy::task_from_jsonl("fuzz", path, "", 0.25, 7);
  });
}
