// Byte-level encoding for the built-in model: the identity on bytes plus three special ids.
#include "engine/tokenizer/byte_tokenizer.h"

#include <stdexcept>

namespace sy {

TokenIds ByteTokenizer::encode(std::string_view text) const {
  TokenIds ids;
  ids.reserve(text.size());
  // Through unsigned char: a plain char may be signed, and byte 0xFF must be id 255, not -1.
  for (char c : text) ids.push_back(static_cast<int64_t>(static_cast<unsigned char>(c)));
  return ids;
}

std::string ByteTokenizer::decode(const TokenIds& ids, bool skip_special) const {
  std::string text;
  text.reserve(ids.size());
  for (int64_t id : ids) {
    if (id >= 0 && id < 256) {
      text.push_back(static_cast<char>(static_cast<unsigned char>(id)));
      continue;
    }
    const char* name = nullptr;
    switch (id) {
      case kPad:
        name = "<pad>";
        break;
      case kBos:
        name = "<bos>";
        break;
      case kEos:
        name = "<eos>";
        break;
      default:
        throw std::out_of_range("ByteTokenizer::decode: id " + std::to_string(id) +
                                " is outside the vocabulary of " + std::to_string(kVocab));
    }
    if (!skip_special) text += name;
  }
  return text;
}

int64_t ByteTokenizer::token_to_id(std::string_view token) const {
  if (token == "<pad>") return kPad;
  if (token == "<bos>") return kBos;
  if (token == "<eos>") return kEos;
  return -1;
}

}  // namespace sy
