// The byte <-> character table of byte-level BPE, built by GPT-2's bytes_to_unicode() rule.
#include "engine/tokenizer/byte_level.h"

#include <array>

#include "engine/tokenizer/utf8.h"

namespace sy::byte_level {

namespace {

struct Table {
  std::array<std::string, 256> char_of;  // byte -> its character, UTF-8 encoded
  std::array<int, 0x200> byte_for{};     // character (all below U+0200) -> byte, -1 if none
};

// bytes_to_unicode(): bytes '!'..'~', U+00A1..U+00AC and U+00AE..U+00FF stand for themselves;
// the rest (controls, space, DEL, NBSP, soft hyphen) take U+0100, U+0101, ... in byte order.
const Table& table() {
  static const Table t = [] {
    Table table;
    table.byte_for.fill(-1);
    const auto keeps_itself = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    int next = 0;
    for (int b = 0; b < 256; ++b) {
      const char32_t c = keeps_itself(b) ? char32_t(b) : char32_t(256 + next++);
      table.char_of[b] = utf8::encode(c);
      table.byte_for[c] = b;
    }
    return table;
  }();
  return t;
}

}  // namespace

std::string encode(std::string_view bytes) {
  const Table& t = table();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += t.char_of[static_cast<unsigned char>(c)];
  return out;
}

int byte_of(char32_t character) {
  return character < 0x200 ? table().byte_for[character] : -1;
}

bool decode(std::string_view token, std::string& out) {
  std::string bytes;
  bytes.reserve(token.size());
  for (size_t pos = 0; pos < token.size();) {
    size_t n = 0;
    const int b = byte_of(utf8::decode(token, pos, &n));
    if (b < 0) return false;
    bytes += static_cast<char>(b);
    pos += n;
  }
  out += bytes;
  return true;
}

}  // namespace sy::byte_level
