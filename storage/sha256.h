// SHA-256 (FIPS 180-4), for the checksums of adapters kept in the store. Written here because
// storage/ depends on sqlite3 only; checked against the standard's test vectors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace sy::store {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  // Feeds bytes; may be called any number of times, with any split of the message.
  void update(const void* data, size_t size);
  // Pads the message and returns its digest. The object is spent afterwards.
  Digest finish();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// The digest as 64 lower-case hex digits.
std::string to_hex(const Sha256::Digest& digest);
std::string sha256_hex(const void* data, size_t size);
inline std::string sha256_hex(const std::string& bytes) {
  return sha256_hex(bytes.data(), bytes.size());
}

}  // namespace sy::store
