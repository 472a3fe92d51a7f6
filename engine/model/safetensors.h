// Reads and writes the safetensors format (the weight files of Hugging Face and PEFT adapters)
// without LibTorch, so that a damaged or hostile file is rejected with a clear sy::Error before
// any byte of it reaches a tensor. The writer is atomic: a crash never leaves a half-written file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sy {

// The element types Switchyard reads and writes, named as safetensors names them.
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

// Bytes per element.
size_t dtype_size(DType dtype);
// The safetensors spelling ("F32", "BF16", ...).
const char* dtype_name(DType dtype);
// The inverse of dtype_name; nullopt for a name Switchyard does not know.
std::optional<DType> parse_dtype(const std::string& name);
// "F64, F32, ..., BOOL": for error messages.
std::string known_dtype_names();

// One tensor of an open file; `data` points into the file's mapping and lives as long as it.
struct TensorEntry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const uint8_t* data;
  size_t nbytes;
};

// A validated, memory-mapped safetensors file. Every entry's bytes lie inside the mapping and no
// two entries share a byte.
class SafetensorsFile {
 public:
  // Maps and validates the file; throws sy::Error naming the file (and tensor) on any defect.
  static SafetensorsFile open(const std::string& path);

  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;
  ~SafetensorsFile();

  const std::string& path() const { return path_; }
  // In the order of their data offsets (the order they lie in the file).
  const std::vector<TensorEntry>& tensors() const { return tensors_; }
  // nullptr when the file holds no tensor of that name.
  const TensorEntry* find(const std::string& name) const;
  // The optional "__metadata__" object; empty when absent.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Gives back the memory of `bytes` bytes from `data` (inside this file's mapping) once they have
  // been copied out: a later read maps them in again from the file. Loading a model thus holds
  // one tensor's mapped pages at a time besides the model itself.
  void release(const uint8_t* data, size_t bytes) const;

 private:
  SafetensorsFile() = default;
  void release() noexcept;

  std::string path_;
  int fd_ = -1;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::vector<TensorEntry> tensors_;
  std::map<std::string, size_t> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

// One tensor to write; `data` holds `nbytes` bytes, row-major, little-endian.
struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const void* data;
  size_t nbytes;
};

// Writes the tensors in name order, the header padded with spaces to a multiple of 8 bytes as the
// reference implementation does. Writes PATH.tmp, fsyncs it and renames it over PATH. Throws
// sy::Error on a duplicate or reserved name, a negative dimension or a size mismatch, and on any
// I/O failure (leaving PATH untouched and no PATH.tmp behind).
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace sy
