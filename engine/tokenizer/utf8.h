// UTF-8 reading and writing for the tokenizers: code points in and out, and the lossy conversion
// of arbitrary bytes to valid UTF-8 exactly as Rust's String::from_utf8_lossy does it (decoders
// must give the same U+FFFD characters as the Hugging Face library).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sy::utf8 {

// The code point starting at text[pos] and its length in bytes. Text that is not valid UTF-8
// there gives U+FFFD and length 1 (callers use it on text already known to be valid).
char32_t decode(std::string_view text, size_t pos, size_t* length);
// Byte length of the character starting at text[pos] (1 for an invalid lead byte).
size_t char_length(std::string_view text, size_t pos);
void append(std::string& out, char32_t code_point);
std::string encode(char32_t code_point);

std::vector<char32_t> to_code_points(std::string_view text);
std::string from_code_points(const std::vector<char32_t>& code_points);

bool is_valid(std::string_view bytes);
// Every maximal invalid subsequence becomes one U+FFFD (the Unicode "maximal subpart" rule,
// which Rust's from_utf8_lossy follows).
std::string from_bytes_lossy(std::string_view bytes);

}  // namespace sy::utf8
