// Writing and strictly reading a JSON list of strings and a JSON matrix of integers (RFC 8259).
#include "storage/json_text.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace sy::store {

namespace {

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += char(code);
  } else if (code < 0x800) {
    out += char(0xC0 | (code >> 6));
    out += char(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += char(0xE0 | (code >> 12));
    out += char(0x80 | ((code >> 6) & 0x3F));
    out += char(0x80 | (code & 0x3F));
  } else {
    out += char(0xF0 | (code >> 18));
    out += char(0x80 | ((code >> 12) & 0x3F));
    out += char(0x80 | ((code >> 6) & 0x3F));
    out += char(0x80 | (code & 0x3F));
  }
}

// A cursor over the text; every reader returns false at the first thing out of place.
class Reader {
 public:
  explicit Reader(const std::string& text) : text_(text) {}

  bool at_end() {
    skip_space();
    return pos_ == text_.size();
  }

  bool eat(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool read_int(int64_t& value) {
    skip_space();
    const size_t start = pos_;
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    const size_t digits = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    if (pos_ == digits) return false;
    if (text_[digits] == '0' && pos_ - digits > 1) return false;  // JSON has no leading zeros
    errno = 0;
    value = std::strtoll(text_.c_str() + start, nullptr, 10);
    return errno != ERANGE;
  }

  bool read_string(std::string& value) {
    if (!eat('"')) return false;
    value.clear();
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= text_.size()) return false;
      const char e = text_[pos_++];
      switch (e) {
        case '"':
          value += '"';
          break;
        case '\\':
          value += '\\';
          break;
        case '/':
          value += '/';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'u': {
          uint32_t code = 0;
          if (!read_hex4(code)) return false;
          // A high surrogate must be followed by an escaped low one: together one code point.
          if (code >= 0xD800 && code < 0xDC00) {
            uint32_t low = 0;
            if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
              return false;
            }
            pos_ += 2;
            if (!read_hex4(low) || low < 0xDC00 || low >= 0xE000) return false;
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code < 0xE000) {
            return false;
          }
          append_utf8(value, code);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool read_hex4(uint32_t& code) {
    if (pos_ + 4 > text_.size()) return false;
    code = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_++];
      code <<= 4;
      if (h >= '0' && h <= '9') {
        code |= uint32_t(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        code |= uint32_t(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        code |= uint32_t(h - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }

  const std::string& text_;
  size_t pos_ = 0;
};

// Reads "[item, item, ...]" with `item` reading one element.
template <typename ReadItem>
bool read_list(Reader& in, ReadItem read_item) {
  if (!in.eat('[')) return false;
  if (in.eat(']')) return true;
  do {
    if (!read_item()) return false;
  } while (in.eat(','));
  return in.eat(']');
}

}  // namespace

std::string string_list_to_json(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (const char c : items[i]) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (u < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", u);
        out += buf;
      } else {
        out += c;  // UTF-8 passes through as it is
      }
    }
    out += '"';
  }
  return out + "]";
}

std::string int_matrix_to_json(const std::vector<std::vector<int64_t>>& rows) {
  std::string out = "[";
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r) out += ',';
    out += '[';
    for (size_t c = 0; c < rows[r].size(); ++c) {
      if (c) out += ',';
      out += std::to_string(rows[r][c]);
    }
    out += ']';
  }
  return out + "]";
}

std::optional<std::vector<std::string>> string_list_from_json(const std::string& text) {
  Reader in(text);
  std::vector<std::string> items;
  std::string item;
  const bool ok = read_list(in, [&] {
    if (!in.read_string(item)) return false;
    items.push_back(item);
    return true;
  });
  if (!ok || !in.at_end()) return std::nullopt;
  return items;
}

std::optional<std::vector<std::vector<int64_t>>> int_matrix_from_json(const std::string& text) {
  Reader in(text);
  std::vector<std::vector<int64_t>> rows;
  const bool ok = read_list(in, [&] {
    std::vector<int64_t> row;
    const bool row_ok = read_list(in, [&] {
      int64_t value = 0;
      if (!in.read_int(value)) return false;
      row.push_back(value);
      return true;
    });
    rows.push_back(std::move(row));
    return row_ok;
  });
  if (!ok || !in.at_end()) return std::nullopt;
  return rows;
}

}  // namespace sy::store
