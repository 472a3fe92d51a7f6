// Decoders of tokenizer.json: how a list of token strings becomes text again (ByteLevel maps
// characters back to bytes; Llama 2 chains Replace "▁"->" ", ByteFallback, Fuse and Strip).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace sy {

class JsonNode;

class Decoder {
 public:
  virtual ~Decoder() = default;
  // One step of the chain, as the library's decode_chain: tokens in, tokens out; the caller
  // joins the last step's tokens.
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// The "decoder" object: ByteLevel, Sequence, Replace, ByteFallback, Fuse, Strip or Metaspace;
// anything else is an error naming the field.
std::unique_ptr<const Decoder> make_decoder(const JsonNode& node);

}  // namespace sy
