// Pre-tokenizers of tokenizer.json: how a normalized text is cut into words before BPE runs on
// each word (ByteLevel with GPT-2's regex, Split with a model's own regex, Metaspace's "▁" words
// of SentencePiece-style models, Sequence of them).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace sy {

class JsonNode;

// A word on its way through the pre-tokenizer.
struct Word {
  std::string text;
  // The word begins the original text: no added token and no other character before it.
  // Metaspace's prepend_scheme "first" asks this (the library looks at the word's offset).
  bool starts_text = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces the words by their pieces, in order; never leaves an empty word.
  virtual void pre_tokenize(std::vector<Word>& words) const = 0;
  // True when words come out as byte-level characters (a ByteLevel step is in it).
  virtual bool byte_level() const { return false; }
  // True when it may add characters in front of a word (ByteLevel's prefix space, Metaspace's
  // "▁"): where a later step's words begin in the original text is then not known here.
  virtual bool inserts_characters() const { return false; }
};

// The "pre_tokenizer" object: ByteLevel, Split, Sequence or Metaspace; anything else is an error
// naming the field. `text_is_original`: no normalizer ran before it, so a word that begins the
// text it is given also begins the original text (Metaspace's "first" needs that).
std::unique_ptr<const PreTokenizer> make_pre_tokenizer(const JsonNode& node, bool text_is_original);

}  // namespace sy
