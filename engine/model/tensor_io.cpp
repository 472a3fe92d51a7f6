// The LibTorch side of checkpoint I/O: maps safetensors dtypes onto torch scalar types and copies
// bytes between tensors and the torch-free reader/writer, so the file format code stays testable
// and reusable without LibTorch.
#include "engine/model/tensor_io.h"

#include <stdlib.h>  // mkstemps
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "engine/model/safetensors.h"
#include "engine/util/error.h"

namespace sy {

namespace {

// One row per dtype both sides know; the two lookups below read it in opposite directions.
struct DTypePair {
  DType dtype;
  torch::ScalarType scalar_type;
};

const DTypePair kDTypePairs[] = {
    {DType::F64, torch::kFloat64},   {DType::F32, torch::kFloat32}, {DType::F16, torch::kFloat16},
    {DType::BF16, torch::kBFloat16}, {DType::I64, torch::kInt64},   {DType::I32, torch::kInt32},
    {DType::I16, torch::kInt16},     {DType::I8, torch::kInt8},     {DType::U8, torch::kUInt8},
    {DType::BOOL, torch::kBool},
};

std::optional<DType> to_dtype(torch::ScalarType type) {
  for (const DTypePair& pair : kDTypePairs) {
    if (pair.scalar_type == type) return pair.dtype;
  }
  return std::nullopt;
}

}  // namespace

torch::ScalarType torch_dtype(DType dtype) {
  for (const DTypePair& pair : kDTypePairs) {
    if (pair.dtype == dtype) return pair.scalar_type;
  }
  throw Error(std::string("Internal error: safetensors dtype ") + dtype_name(dtype) +
              " has no torch scalar type.");
}

torch::Tensor tensor_from_entry(const TensorEntry& entry) {
  // Copy out of the mapping: the tensor outlives the file, and mapped bytes may be unaligned.
  torch::Tensor tensor =
      torch::empty(entry.shape, torch::TensorOptions().dtype(torch_dtype(entry.dtype)));
  if (entry.nbytes > 0) std::memcpy(tensor.data_ptr(), entry.data, entry.nbytes);
  return tensor;
}

torch::Tensor entry_view(const TensorEntry& entry) {
  const torch::ScalarType type = torch_dtype(entry.dtype);
  if (entry.nbytes == 0 || reinterpret_cast<uintptr_t>(entry.data) % c10::elementSize(type) != 0) {
    return tensor_from_entry(entry);
  }
  // The mapping is read-only (PROT_READ): from_blob wants a mutable pointer, but nothing writes.
  return torch::from_blob(const_cast<uint8_t*>(entry.data), entry.shape,
                          torch::TensorOptions().dtype(type));
}

NamedTensors load_safetensors(const std::string& path,
                              std::map<std::string, std::string>* metadata) {
  const SafetensorsFile file = SafetensorsFile::open(path);
  NamedTensors out;
  for (const TensorEntry& entry : file.tensors()) out.emplace(entry.name, tensor_from_entry(entry));
  if (metadata) *metadata = file.metadata();
  return out;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> keep;  // owns the contiguous CPU copies until the write is done
  std::vector<TensorToWrite> to_write;
  keep.reserve(tensors.size());
  to_write.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.defined()) {
      throw Error("Cannot write safetensors file '" + path + "': tensor '" + name +
                  "' is undefined; expected a tensor with data.");
    }
    const std::optional<DType> dtype = to_dtype(tensor.scalar_type());
    if (!dtype) {
      throw Error("Cannot write safetensors file '" + path + "': tensor '" + name + "' has dtype " +
                  std::string(c10::toString(tensor.scalar_type())) + "; expected one of " +
                  known_dtype_names() + ".");
    }
    keep.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const torch::Tensor& t = keep.back();
    const size_t nbytes = static_cast<size_t>(t.numel()) * t.element_size();
    to_write.push_back({name, *dtype, t.sizes().vec(), t.data_ptr(), nbytes});
  }
  write_safetensors(path, to_write, metadata);
}

namespace {

// A file of our own in the temporary folder, removed when the scope ends: the safetensors reader
// and writer work on files (mapped, written atomically), so bytes pass through one.
class ScratchFile {
 public:
  ScratchFile() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "switchyard-XXXXXX.safetensors").string();
    const int fd = ::mkstemps(pattern.data(), static_cast<int>(std::strlen(".safetensors")));
    if (fd < 0) {
      throw Error("Cannot create a scratch file in " +
                  std::filesystem::temp_directory_path().string() + ": " + std::strerror(errno));
    }
    ::close(fd);
    path_ = pattern;
  }
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

std::vector<uint8_t> safetensors_bytes(const NamedTensors& tensors,
                                       const std::map<std::string, std::string>& metadata) {
  ScratchFile file;
  save_safetensors(file.path(), tensors, metadata);
  std::ifstream in(file.path(), std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

NamedTensors tensors_from_safetensors_bytes(const std::vector<uint8_t>& bytes,
                                            const std::string& source) {
  ScratchFile file;
  {
    std::ofstream out(file.path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) throw Error("Cannot write a scratch copy of " + source + " to " + file.path());
  }
  try {
    return load_safetensors(file.path());
  } catch (const Error& e) {
    // Name what the bytes are, not the scratch file they passed through.
    std::string message = e.what();
    const size_t at = message.find(file.path());
    if (at != std::string::npos) message.replace(at, file.path().size(), source);
    throw Error(message);
  }
}

}  // namespace sy
