// Moves named LibTorch tensors in and out of safetensors files (checkpoints, LoRA adapters), on top
// of the torch-free reader/writer in safetensors.h, keeping each tensor's stored dtype.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

#include "engine/model/safetensors.h"

namespace sy {

using NamedTensors = std::map<std::string, torch::Tensor>;

// The torch scalar type of a safetensors dtype.
torch::ScalarType torch_dtype(DType dtype);
// One entry of an open file as an owned, contiguous CPU tensor of its stored dtype.
torch::Tensor tensor_from_entry(const TensorEntry& entry);
// The same entry as a read-only tensor over the mapped bytes themselves, without a copy, when
// they are aligned for its dtype (else an owned copy): valid while the file stays open, and never
// to be written to.
torch::Tensor entry_view(const TensorEntry& entry);

// Loads every tensor as an owned, contiguous CPU tensor of its stored dtype (the file is closed on
// return). When `metadata` is given it receives the file's "__metadata__". Throws sy::Error on a
// damaged file.
NamedTensors load_safetensors(const std::string& path,
                              std::map<std::string, std::string>* metadata = nullptr);

// Saves the tensors (moved to CPU and made contiguous, dtype kept) atomically. Throws sy::Error
// naming the tensor when its dtype has no safetensors equivalent.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The same for safetensors kept in memory (adapters and checkpoints in the database): the bytes
// save_safetensors would write, and the tensors of such bytes (validated as a file is; errors
// name `source`).
std::vector<uint8_t> safetensors_bytes(const NamedTensors& tensors,
                                       const std::map<std::string, std::string>& metadata = {});
NamedTensors tensors_from_safetensors_bytes(const std::vector<uint8_t>& bytes,
                                            const std::string& source);

}  // namespace sy
