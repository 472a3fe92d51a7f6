// Reads and writes safetensors files without LibTorch. The reader trusts nothing in the file: every
// length, offset and shape is checked against the mapping before an entry is handed out, so a
// damaged download or a hostile adapter ends in one clear sy::Error instead of a crash.
#include "engine/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "engine/util/error.h"
#include "engine/util/json_file.h"

// The format stores little-endian data and we copy it byte for byte.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors I/O assumes a little-endian host");

namespace sy {

namespace {

using nlohmann::json;

// The reference implementation refuses larger headers too; anything bigger is damage, not data.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// A real header nests three levels deep; a bound keeps a hostile one from exhausting the stack.
constexpr int kMaxHeaderNesting = 16;
constexpr const char* kMetadataKey = "__metadata__";

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8},   {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
    {DType::BOOL, "BOOL", 1},
};

const DTypeInfo& dtype_info(DType dtype) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.dtype == dtype) return info;
  }
  throw Error("Internal error: unknown safetensors dtype value " +
              std::to_string(static_cast<int>(dtype)) + ".");
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

// A name read from the file: a hostile one may be megabytes long.
std::string quoted_name(const std::string& s) {
  return quoted(quoted_excerpt(s));
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

// Byte count of a tensor, or nullopt when it does not fit in size_t.
std::optional<size_t> tensor_bytes(const std::vector<int64_t>& shape, DType dtype) {
  uint64_t total = dtype_size(dtype);
  for (int64_t dim : shape) {
    if (dim < 0) return std::nullopt;
    if (__builtin_mul_overflow(total, static_cast<uint64_t>(dim), &total)) return std::nullopt;
  }
  if (total > std::numeric_limits<size_t>::max()) return std::nullopt;
  return static_cast<size_t>(total);
}

// --- reading -------------------------------------------------------------------------------

[[noreturn]] void fail_file(const std::string& path, const std::string& what) {
  throw Error("Safetensors file " + quoted(path) + " " + what);
}

[[noreturn]] void fail_tensor(const std::string& path, const std::string& name,
                              const std::string& what) {
  throw Error("Safetensors file " + quoted(path) + ": tensor " + quoted_name(name) + " " + what);
}

// A JSON non-negative integer as uint64; nullopt for negatives, fractions and non-numbers.
std::optional<uint64_t> json_unsigned(const json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    return static_cast<uint64_t>(value.get<int64_t>());
  }
  return std::nullopt;
}

struct RawEntry {
  TensorEntry entry;
  uint64_t begin;
  uint64_t end;
};

RawEntry parse_entry(const std::string& path, const std::string& name, const json& value,
                     const uint8_t* data_start, uint64_t data_size) {
  if (!value.is_object()) {
    fail_tensor(path, name,
                "is not a JSON object; expected {\"dtype\", \"shape\", \"data_offsets\"}.");
  }
  const auto dtype_it = value.find("dtype");
  if (dtype_it == value.end() || !dtype_it->is_string()) {
    fail_tensor(path, name,
                "has no string field \"dtype\"; expected one of " + known_dtype_names() + ".");
  }
  const std::string dtype_text = dtype_it->get<std::string>();
  const std::optional<DType> dtype = parse_dtype(dtype_text);
  if (!dtype) {
    fail_tensor(path, name,
                "has unknown dtype \"" + quoted_excerpt(dtype_text) + "\"; expected one of " +
                    known_dtype_names() + ".");
  }

  const auto shape_it = value.find("shape");
  if (shape_it == value.end() || !shape_it->is_array()) {
    fail_tensor(path, name, "has no array field \"shape\"; expected a list of dimensions.");
  }
  std::vector<int64_t> shape;
  for (const json& dim : *shape_it) {
    if (dim.is_number_integer() && !dim.is_number_unsigned() && dim.get<int64_t>() < 0) {
      fail_tensor(path, name,
                  "has a negative dimension " + std::to_string(dim.get<int64_t>()) +
                      " in \"shape\"; expected dimensions of 0 or more.");
    }
    const std::optional<uint64_t> size = json_unsigned(dim);
    if (!size) {
      fail_tensor(path, name,
                  "has a \"shape\" entry that is not an integer; expected whole "
                  "dimensions of 0 or more.");
    }
    if (*size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail_tensor(path, name, "has a dimension too large to address in \"shape\".");
    }
    shape.push_back(static_cast<int64_t>(*size));
  }

  const auto offsets_it = value.find("data_offsets");
  if (offsets_it == value.end() || !offsets_it->is_array() || offsets_it->size() != 2) {
    fail_tensor(path, name,
                "has no field \"data_offsets\" of two integers; expected [begin, end].");
  }
  const std::optional<uint64_t> begin = json_unsigned((*offsets_it)[0]);
  const std::optional<uint64_t> end = json_unsigned((*offsets_it)[1]);
  if (!begin || !end) {
    fail_tensor(path, name,
                "has \"data_offsets\" that are not integers of 0 or more; expected "
                "[begin, end].");
  }
  if (*begin > *end) {
    fail_tensor(path, name,
                "has \"data_offsets\" [" + std::to_string(*begin) + ", " + std::to_string(*end) +
                    "] whose begin lies after its end.");
  }
  if (*end > data_size) {
    fail_tensor(path, name,
                "has \"data_offsets\" [" + std::to_string(*begin) + ", " + std::to_string(*end) +
                    "] past the end of the data buffer (" + std::to_string(data_size) +
                    " bytes); the file may be truncated.");
  }
  const std::optional<size_t> nbytes = tensor_bytes(shape, *dtype);
  if (!nbytes || *nbytes != *end - *begin) {
    fail_tensor(path, name,
                "has shape " + shape_text(shape) + " of " + dtype_text + " (" +
                    (nbytes ? std::to_string(*nbytes) : std::string("too many")) +
                    " bytes) but \"data_offsets\" [" + std::to_string(*begin) + ", " +
                    std::to_string(*end) + "] span " + std::to_string(*end - *begin) + " bytes.");
  }

  RawEntry raw{{name, *dtype, std::move(shape), data_start + *begin, *nbytes}, *begin, *end};
  return raw;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const json& value) {
  if (!value.is_object()) {
    fail_file(path,
              "has a \"__metadata__\" field that is not a JSON object; expected string "
              "keys mapped to string values.");
  }
  std::map<std::string, std::string> metadata;
  for (const auto& item : value.items()) {
    if (!item.value().is_string()) {
      fail_file(path, "has a \"__metadata__\" value for key " + quoted_name(item.key()) +
                          " that is not a string; expected string values only.");
    }
    metadata[item.key()] = item.value().get<std::string>();
  }
  return metadata;
}

// --- writing -------------------------------------------------------------------------------

// JSON string literal, escaped as serde_json (the reference writer) escapes it.
std::string json_string(const std::string& path, const std::string& what, const std::string& s) {
  try {
    return json(s).dump();
  } catch (const json::exception&) {
    throw Error("Cannot write safetensors file " + quoted(path) + ": " + what +
                " is not valid UTF-8; expected UTF-8 text.");
  }
}

[[noreturn]] void fail_write(const std::string& path, const std::string& what) {
  throw Error("Cannot write safetensors file " + quoted(path) + ": " + what);
}

// Writes all of `size` bytes, retrying short writes and interruptions; false on error.
bool write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const size_t chunk = std::min<size_t>(size, size_t{1} << 30);
    const ssize_t n = ::write(fd, p, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

size_t dtype_size(DType dtype) {
  return dtype_info(dtype).size;
}

const char* dtype_name(DType dtype) {
  return dtype_info(dtype).name;
}

std::optional<DType> parse_dtype(const std::string& name) {
  for (const DTypeInfo& info : kDTypes) {
    if (name == info.name) return info.dtype;
  }
  return std::nullopt;
}

std::string known_dtype_names() {
  std::string out;
  for (const DTypeInfo& info : kDTypes) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

// --- SafetensorsFile -----------------------------------------------------------------------

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile file;  // owns fd and mapping from here on, so every throw below cleans up
  file.path_ = path;
  file.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd_ < 0) {
    fail_file(path, "cannot be opened: " + std::string(std::strerror(errno)) + ".");
  }
  struct stat st {};
  if (::fstat(file.fd_, &st) != 0) {
    fail_file(path, "cannot be inspected: " + std::string(std::strerror(errno)) + ".");
  }
  if (!S_ISREG(st.st_mode)) fail_file(path, "is not a regular file; expected a weight file.");
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < 8) {
    fail_file(path, "is " + std::to_string(file_size) +
                        " bytes long; expected at least the 8-byte header length.");
  }
  file.map_ = ::mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, file.fd_, 0);
  if (file.map_ == MAP_FAILED) {
    file.map_ = nullptr;
    fail_file(path, "cannot be mapped into memory: " + std::string(std::strerror(errno)) + ".");
  }
  file.map_size_ = static_cast<size_t>(file_size);
  const uint8_t* bytes = static_cast<const uint8_t*>(file.map_);

  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | bytes[i];
  if (header_size > kMaxHeaderBytes) {
    fail_file(path, "declares a header of " + std::to_string(header_size) +
                        " bytes; expected at most " + std::to_string(kMaxHeaderBytes) +
                        " (the file is damaged or not a safetensors file).");
  }
  if (header_size > file_size - 8) {
    fail_file(path, "declares a header of " + std::to_string(header_size) + " bytes but only " +
                        std::to_string(file_size - 8) +
                        " follow the length; the file may be truncated.");
  }
  const char* header_text = reinterpret_cast<const char*>(bytes + 8);
  if (json_depth(std::string_view(header_text, header_size), kMaxHeaderNesting) >
      kMaxHeaderNesting) {
    fail_file(path, "has a header nested deeper than " + std::to_string(kMaxHeaderNesting) +
                        " levels; expected a flat JSON object of tensors.");
  }
  json header;
  try {
    header = json::parse(header_text, header_text + header_size);
  } catch (const json::parse_error& e) {
    fail_file(path, "has a header that is not valid JSON (error at byte " + std::to_string(e.byte) +
                        " of the header).");
  } catch (const json::exception&) {
    fail_file(path, "has a header that is not valid JSON.");
  }
  if (!header.is_object()) {
    fail_file(path,
              "has a header that is not a JSON object; expected tensor names mapped to "
              "{\"dtype\", \"shape\", \"data_offsets\"}.");
  }

  const uint8_t* data_start = bytes + 8 + header_size;
  const uint64_t data_size = file_size - 8 - header_size;
  std::vector<RawEntry> raw;
  raw.reserve(header.size());
  try {
    for (const auto& item : header.items()) {
      if (item.key() == kMetadataKey) {
        file.metadata_ = parse_metadata(path, item.value());
      } else {
        raw.push_back(parse_entry(path, item.key(), item.value(), data_start, data_size));
      }
    }
  } catch (const json::exception&) {
    // The checks above should make this unreachable; it keeps a missed case from escaping raw.
    fail_file(path, "has a header with unexpected value types.");
  }

  // The tensors must fill the data area exactly, end to end, as the reference reader demands:
  // two tensors sharing bytes would alias each other's weights, and a gap or a byte left over
  // means the header length or an offset is off (a header one byte short shifts every tensor by
  // a byte and loads garbage). Empty tensors occupy no bytes.
  uint64_t position = 0;
  const RawEntry* previous = nullptr;
  for (const RawEntry& r : raw) {
    if (r.begin < position) {
      fail_tensor(
          path, r.entry.name,
          "has \"data_offsets\" [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
              "] overlapping tensor " + quoted_name(previous->entry.name) + " at [" +
              std::to_string(previous->begin) + ", " + std::to_string(previous->end) + "].");
    }
    if (r.begin > position) {
      fail_tensor(path, r.entry.name,
                  "has \"data_offsets\" [" + std::to_string(r.begin) + ", " +
                      std::to_string(r.end) + "] leaving bytes " + std::to_string(position) +
                      " to " + std::to_string(r.begin) +
                      " of the data area unused; expected the tensors to fill it end to end.");
    }
    if (r.end > position || !previous) previous = &r;
    position = std::max(position, r.end);
  }
  if (position != data_size) {
    fail_file(path, "has " + std::to_string(data_size) + " bytes after its " +
                        std::to_string(header_size) + "-byte header but its tensors cover " +
                        std::to_string(position) +
                        "; expected them to match (the header length or the file is damaged).");
  }

  file.tensors_.reserve(raw.size());
  for (RawEntry& r : raw) {
    file.index_[r.entry.name] = file.tensors_.size();
    file.tensors_.push_back(std::move(r.entry));
  }
  return file;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)),
      tensors_(std::move(other.tensors_)),
      index_(std::move(other.index_)),
      metadata_(std::move(other.metadata_)) {}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    map_ = std::exchange(other.map_, nullptr);
    map_size_ = std::exchange(other.map_size_, 0);
    tensors_ = std::move(other.tensors_);
    index_ = std::move(other.index_);
    metadata_ = std::move(other.metadata_);
  }
  return *this;
}

SafetensorsFile::~SafetensorsFile() {
  release();
}

void SafetensorsFile::release() noexcept {
  // The mapping stays valid after the descriptor closes, but we hold both for the entries' life.
  if (map_) ::munmap(map_, map_size_);
  if (fd_ >= 0) ::close(fd_);
  map_ = nullptr;
  map_size_ = 0;
  fd_ = -1;
  tensors_.clear();
  index_.clear();
}

void SafetensorsFile::release(const uint8_t* data, size_t bytes) const {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(data) / page * page;
  const auto end = reinterpret_cast<uintptr_t>(data) + bytes;
  // Advice only: a failure leaves the pages mapped, which costs memory, not correctness.
  if (bytes > 0) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

const TensorEntry* SafetensorsFile::find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

// --- write_safetensors ---------------------------------------------------------------------

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  // Validate everything before touching the disk.
  std::vector<const TensorToWrite*> sorted;
  sorted.reserve(tensors.size());
  for (const TensorToWrite& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorToWrite* a, const TensorToWrite* b) { return a->name < b->name; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    const TensorToWrite& t = *sorted[i];
    if (t.name == kMetadataKey) {
      fail_write(path, "tensor name \"__metadata__\" is reserved for the file's metadata.");
    }
    if (i > 0 && sorted[i - 1]->name == t.name) {
      fail_write(path, "tensor name " + quoted(t.name) + " appears twice; expected unique names.");
    }
    for (int64_t dim : t.shape) {
      if (dim < 0) {
        fail_write(path, "tensor " + quoted(t.name) + " has negative dimension in shape " +
                             shape_text(t.shape) + "; expected dimensions of 0 or more.");
      }
    }
    const std::optional<size_t> expected = tensor_bytes(t.shape, t.dtype);
    if (!expected || *expected != t.nbytes) {
      fail_write(path, "tensor " + quoted(t.name) + " has shape " + shape_text(t.shape) + " of " +
                           dtype_name(t.dtype) + " (" +
                           (expected ? std::to_string(*expected) : std::string("too many")) +
                           " bytes) but " + std::to_string(t.nbytes) + " bytes of data.");
    }
    if (t.nbytes > 0 && t.data == nullptr) {
      fail_write(path, "tensor " + quoted(t.name) + " has no data pointer for its " +
                           std::to_string(t.nbytes) + " bytes.");
    }
  }

  // The header, byte for byte as the reference writer lays it out: compact JSON, metadata first,
  // each entry's keys in the order dtype, shape, data_offsets, then spaces up to a multiple of 8.
  std::string header = "{";
  bool first = true;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first_key = true;
    for (const auto& [key, value] : metadata) {
      if (!first_key) header += ',';
      first_key = false;
      header += json_string(path, "metadata key " + quoted(key), key) + ':' +
                json_string(path, "metadata value for " + quoted(key), value);
    }
    header += '}';
    first = false;
  }
  uint64_t offset = 0;
  for (const TensorToWrite* t : sorted) {
    if (!first) header += ',';
    first = false;
    std::string shape = "[";
    for (size_t i = 0; i < t->shape.size(); ++i) {
      if (i) shape += ',';
      shape += std::to_string(t->shape[i]);
    }
    shape += ']';
    header += json_string(path, "tensor name " + quoted(t->name), t->name) + ":{\"dtype\":\"" +
              dtype_name(t->dtype) + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
              std::to_string(offset) + ',' + std::to_string(offset + t->nbytes) + "]}";
    offset += t->nbytes;
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');

  uint8_t length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));

  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail_write(path, "cannot create " + quoted(tmp) + ": " + std::strerror(errno) + ".");
  }
  bool ok = write_all(fd, length, sizeof length) && write_all(fd, header.data(), header.size());
  for (size_t i = 0; ok && i < sorted.size(); ++i) {
    ok = write_all(fd, sorted[i]->data, sorted[i]->nbytes);
  }
  ok = ok && ::fsync(fd) == 0;
  int error = ok ? 0 : errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (!ok) {
    const std::string reason = std::strerror(error);
    ::unlink(tmp.c_str());
    fail_write(path, "writing " + quoted(tmp) + " failed: " + reason + ".");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    fail_write(path, "renaming " + quoted(tmp) + " over it failed: " + reason + ".");
  }
  // Make the rename itself durable; a failure here leaves a complete file, so it is not fatal.
  const int dir = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace sy
