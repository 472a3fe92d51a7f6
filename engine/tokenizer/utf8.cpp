// UTF-8 code points and the lossy byte-to-text conversion of the Hugging Face decoders.
#include "engine/tokenizer/utf8.h"

namespace sy::utf8 {

namespace {

// How many bytes of a well-formed sequence start at bytes[pos] (0: not well-formed there), per
// Table 3-7 of the Unicode standard. *valid_prefix receives how many bytes form the longest
// prefix of a well-formed sequence: that is the "maximal subpart" replaced by one U+FFFD.
size_t well_formed_length(std::string_view bytes, size_t pos, size_t* valid_prefix) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const unsigned char lead = at(pos);
  *valid_prefix = 1;
  if (lead < 0x80) return 1;
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range allowed for the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 3;
    if (lead == 0xE0) lo = 0xA0;  // no overlong forms
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 4;
    if (lead == 0xF0) lo = 0x90;  // no overlong forms
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (size_t k = 1; k < need; ++k) {
    if (pos + k >= bytes.size()) return 0;
    const unsigned char b = at(pos + k);
    const unsigned char min = k == 1 ? lo : 0x80;
    const unsigned char max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) return 0;
    *valid_prefix = k + 1;
  }
  return need;
}

}  // namespace

char32_t decode(std::string_view text, size_t pos, size_t* length) {
  size_t prefix = 0;
  const size_t n = well_formed_length(text, pos, &prefix);
  if (n == 0) {
    *length = 1;
    return U'\uFFFD';
  }
  *length = n;
  const auto at = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  switch (n) {
    case 1:
      return at(pos);
    case 2:
      return (char32_t(at(pos) & 0x1F) << 6) | (at(pos + 1) & 0x3F);
    case 3:
      return (char32_t(at(pos) & 0x0F) << 12) | (char32_t(at(pos + 1) & 0x3F) << 6) |
             (at(pos + 2) & 0x3F);
    default:
      return (char32_t(at(pos) & 0x07) << 18) | (char32_t(at(pos + 1) & 0x3F) << 12) |
             (char32_t(at(pos + 2) & 0x3F) << 6) | (at(pos + 3) & 0x3F);
  }
}

size_t char_length(std::string_view text, size_t pos) {
  size_t prefix = 0;
  const size_t n = well_formed_length(text, pos, &prefix);
  return n == 0 ? 1 : n;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string encode(char32_t code_point) {
  std::string out;
  append(out, code_point);
  return out;
}

std::vector<char32_t> to_code_points(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    size_t n = 0;
    out.push_back(decode(text, pos, &n));
    pos += n;
  }
  return out;
}

std::string from_code_points(const std::vector<char32_t>& code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t cp : code_points) append(out, cp);
  return out;
}

bool is_valid(std::string_view bytes) {
  for (size_t pos = 0; pos < bytes.size();) {
    size_t prefix = 0;
    const size_t n = well_formed_length(bytes, pos, &prefix);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

std::string from_bytes_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    size_t prefix = 0;
    const size_t n = well_formed_length(bytes, pos, &prefix);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for the whole maximal subpart
      pos += prefix;
    } else {
      out.append(bytes.substr(pos, n));
      pos += n;
    }
  }
  return out;
}

}  // namespace sy::utf8
