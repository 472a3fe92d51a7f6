// GPT-2's byte-to-unicode table: every byte gets a printable character (printable ASCII and
// Latin-1 map to themselves, the other 68 bytes to U+0100...), so byte-level BPE vocabularies
// are strings of visible characters and any byte sequence round-trips.
#pragma once

#include <string>
#include <string_view>

namespace sy::byte_level {

// Each byte of `bytes` replaced by its character (UTF-8 encoded).
std::string encode(std::string_view bytes);
// The byte a character stands for, or -1 when the character is not in the table.
int byte_of(char32_t character);
// A token's characters mapped back to bytes; false (and `out` untouched) when one of them is not
// in the table, so the caller can keep the token as it is, as the library's decoder does.
bool decode(std::string_view token, std::string& out);

}  // namespace sy::byte_level
