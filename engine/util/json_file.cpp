// JSON in and out with bounds: depth checked before parsing, file size before reading, and error
// quotes cut short.
#include "engine/util/json_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "engine/util/error.h"

namespace sy {

int json_depth(std::string_view text, int stop_after) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size() && deepest <= stop_after; ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

namespace {

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column
// 5: " prefix, and with the bytes it quotes (a whole hostile string or number, possibly) cut short.
std::string exception_reason(const nlohmann::json::exception& e) {
  std::string message = e.what();
  const size_t id_end = message.find("] ");
  if (message.rfind("[json.exception.", 0) == 0 && id_end != std::string::npos) {
    message.erase(0, id_end + 2);
  }
  if (message.rfind("parse error", 0) == 0) {
    const size_t colon = message.find(": ");
    if (colon != std::string::npos) message.erase(0, colon + 2);
  }
  const size_t open = message.find('\'');
  const size_t close = message.rfind('\'');
  if (open != std::string::npos && close > open) {
    message = message.substr(0, open + 1) +
              quoted_excerpt(message.substr(open + 1, close - open - 1)) + message.substr(close);
  }
  return message;
}

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& source) {
  if (json_depth(text) > kMaxJsonDepth) {
    throw Error(source + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                " levels; expected a shallow document.");
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(source + ": not valid JSON at byte " + std::to_string(e.byte) + " (" +
                exception_reason(e) + ").");
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double (out_of_range.406) is thrown apart from parse errors.
    throw Error(source + ": not valid JSON (" + exception_reason(e) + ").");
  }
}

nlohmann::json read_json_file(const std::string& path, uint64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  const bool known = ::stat(path.c_str(), &st) == 0;
  if (known && S_ISDIR(st.st_mode)) throw Error(path + " is a folder; expected a JSON file.");
  if (known && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes) {
    throw Error(path + " is " + std::to_string(st.st_size) +
                " bytes long; expected a JSON file of at most " + std::to_string(max_bytes) +
                " bytes.");
  }
  // Read in pieces up to the bound, so that a pipe or a growing file cannot exceed it either.
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      throw Error(path + " is longer than " + std::to_string(max_bytes) +
                  " bytes; expected a JSON file of at most that size.");
    }
  }
  if (in.bad()) throw Error("cannot read " + path + ": " + std::strerror(errno));
  return parse_json(text, path);
}

void write_json_file(const std::string& path, const nlohmann::json& value) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write " + tmp + ": " + std::strerror(errno));
    out << value.dump(2) << "\n";
    if (!out.flush()) throw Error("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw Error("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
}

std::string quoted_excerpt(std::string_view text) {
  if (text.size() <= kMaxQuotedChars) return std::string(text);
  size_t cut = kMaxQuotedChars;
  // Back up over UTF-8 continuation bytes so that the cut never splits a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";  // "…"
}

namespace {

// Appends `value`'s JSON text to `out` until `out` is longer than the quote can show.
void append_excerpt(const nlohmann::json& value, std::string& out) {
  if (out.size() > kMaxQuotedChars) return;
  if (value.is_array() || value.is_object()) {
    const bool array = value.is_array();
    out += array ? '[' : '{';
    bool first = true;
    for (auto it = value.begin(); it != value.end() && out.size() <= kMaxQuotedChars; ++it) {
      if (!first) out += ',';
      first = false;
      if (!array)
        out += nlohmann::json(it.key()).dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace) +
               ':';
      append_excerpt(*it, out);
    }
    out += array ? ']' : '}';
    return;
  }
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += text.size() > kMaxQuotedChars + 1 ? text.substr(0, kMaxQuotedChars + 1) : text;
}

}  // namespace

std::string json_excerpt(const nlohmann::json& value) {
  std::string out;
  append_excerpt(value, out);
  return quoted_excerpt(out);
}

}  // namespace sy
