// The decoders, step by step as the library's decode_chain implementations, including their
// handling of bytes that do not form UTF-8 (U+FFFD, per maximal subpart or per byte). Metaspace
// is in metaspace.cpp, with its pre-tokenizer.
#include "engine/tokenizer/decoder.h"

#include <cstdlib>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/json_node.h"
#include "engine/tokenizer/metaspace.h"
#include "engine/tokenizer/pattern.h"
#include "engine/tokenizer/utf8.h"

namespace sy {

namespace {

// Characters back to bytes, all tokens into one text; a token holding a character outside the
// byte table (an added token such as "<|im_start|>" is fine, "€" is not) is kept as it is.
class ByteLevelDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      if (!byte_level::decode(token, bytes)) bytes += token;
    }
    return {utf8::from_bytes_lossy(bytes)};
  }
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<const Decoder>> steps)
      : steps_(std::move(steps)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& step : steps_) tokens = step->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<const Decoder>> steps_;
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) token = pattern_.replace_all(token, content_);
    return tokens;
  }

 private:
  Pattern pattern_;
  std::string content_;
};

// Runs of <0xNN> tokens become the bytes they name: their text when the run is valid UTF-8,
// otherwise one U+FFFD per byte (not per maximal subpart: that is what the library does here).
class ByteFallbackDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    size_t byte_count = 0;
    const auto flush = [&] {
      if (byte_count == 0) return;
      if (utf8::is_valid(bytes)) {
        out.push_back(bytes);
      } else {
        for (size_t i = 0; i < byte_count; ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      bytes.clear();
      byte_count = 0;
    };
    for (std::string& token : tokens) {
      int byte = -1;
      if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') {
        byte = parse_hex_byte(token[3], token[4]);
      }
      if (byte >= 0) {
        bytes += static_cast<char>(byte);
        ++byte_count;
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    return out;
  }

 private:
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static int parse_hex_byte(char hi, char lo) {
    const int h = hex_digit(hi), l = hex_digit(lo);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  }
};

class FuseDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string all;
    for (const std::string& token : tokens) all += token;
    return {all};
  }
};

// Removes up to `start` leading and `stop` trailing copies of one character from every token.
class StripDecoder : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop)
      : content_(content), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) {
      std::vector<char32_t> chars = utf8::to_code_points(token);
      size_t begin = 0, end = chars.size();
      while (begin < start_ && begin < end && chars[begin] == content_) ++begin;
      for (size_t k = 0; k < stop_ && end > begin && chars[end - 1] == content_; ++k) --end;
      token = utf8::from_code_points(
          std::vector<char32_t>(chars.begin() + static_cast<std::ptrdiff_t>(begin),
                                chars.begin() + static_cast<std::ptrdiff_t>(end)));
    }
    return tokens;
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

size_t count_field(const JsonNode& node, const std::string& key) {
  const int64_t n = node.integer(key, 0);
  if (n < 0) node.at(key, "").fail("a count of zero or more");
  return static_cast<size_t>(n);
}

}  // namespace

std::unique_ptr<const Decoder> make_decoder(const JsonNode& node) {
  const std::string type =
      node.type({"ByteLevel", "Sequence", "Replace", "ByteFallback", "Fuse", "Strip", "Metaspace"});
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(
        Pattern::from_json(node.at("pattern", "{\"String\": TEXT} or {\"Regex\": PATTERN}")),
        node.at("content", "a string").text());
  }
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(node.at("content", "a single character").character(),
                                          count_field(node, "start"), count_field(node, "stop"));
  }
  if (type == "Metaspace") return make_metaspace_decoder(node);
  std::vector<std::unique_ptr<const Decoder>> steps;
  for (const JsonNode& item : node.list("decoders", "a list of decoders")) {
    steps.push_back(make_decoder(item));
  }
  return std::make_unique<SequenceDecoder>(std::move(steps));
}

}  // namespace sy
