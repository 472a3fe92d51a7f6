// The Metaspace pre-tokenizer and decoder as the library's one Metaspace type implements both,
// reading its fields as its deserializer does (legacy add_prefix_space included).
#include "engine/tokenizer/metaspace.h"

#include "engine/tokenizer/decoder.h"
#include "engine/tokenizer/json_node.h"
#include "engine/tokenizer/pattern.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/utf8.h"

namespace sy {

namespace {

// When a "▁" goes in front of a word: always, on the word that begins the text only, or never.
enum class PrependScheme { Always, First, Never };

struct MetaspaceOptions {
  char32_t replacement = U'\u2581';
  PrependScheme prepend = PrependScheme::Always;
  bool split = true;
};

MetaspaceOptions read_options(const JsonNode& node) {
  MetaspaceOptions options;
  // Required, as in the library: it has no default for it.
  options.replacement = node.at("replacement", "a single character").character();
  if (node.value().contains("prepend_scheme")) {
    // Present but null is an error in the library too (only a missing field takes the default).
    const JsonNode scheme(node.value().at("prepend_scheme"), node.file(),
                          node.child_path("prepend_scheme"));
    const std::string name = scheme.value().is_string() ? scheme.text() : "";
    if (name == "always") {
      options.prepend = PrependScheme::Always;
    } else if (name == "first") {
      options.prepend = PrependScheme::First;
    } else if (name == "never") {
      options.prepend = PrependScheme::Never;
    } else {
      scheme.fail("one of \"always\", \"first\", \"never\"");
    }
  }
  // Files written before prepend_scheme existed say add_prefix_space. True changes nothing (the
  // default "always", or the scheme the file also names); the library takes false only beside
  // prepend_scheme "never" and refuses it otherwise, the default "always" included.
  if (!node.boolean("add_prefix_space", true) && options.prepend != PrependScheme::Never) {
    const JsonNode field = node.at("add_prefix_space", "");
    field.fail(
        "true, or prepend_scheme \"never\" beside it (the library refuses add_prefix_space "
        "false with another prepend_scheme)");
  }
  options.split = node.boolean("split", true);
  return options;
}

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  explicit MetaspacePreTokenizer(const MetaspaceOptions& options)
      : options_(options),
        replacement_(utf8::encode(options.replacement)),
        pattern_(Pattern::literal(replacement_)) {}

  void pre_tokenize(std::vector<Word>& words) const override {
    std::vector<Word> out;
    for (Word& word : words) {
      // Only U+0020 becomes the replacement; tabs, newlines and other spaces stay as they are.
      std::string text;
      text.reserve(word.text.size() + 2 * replacement_.size());
      for (char c : word.text) {
        if (c == ' ') {
          text += replacement_;
        } else {
          text += c;
        }
      }
      const bool prepend = options_.prepend == PrependScheme::Always ||
                           (options_.prepend == PrependScheme::First && word.starts_text);
      if (prepend && text.compare(0, replacement_.size(), replacement_) != 0) {
        text.insert(0, replacement_);
      }
      if (!options_.split) {
        out.push_back({std::move(text), word.starts_text});
        continue;
      }
      // Each replacement begins a new word and stays at its front.
      for (SplitPiece& piece :
           split_by(text, pattern_.find_matches(text), SplitBehavior::MergedWithNext)) {
        out.push_back({std::move(piece.text), word.starts_text && piece.start == 0});
      }
    }
    words = std::move(out);
  }
  bool inserts_characters() const override { return options_.prepend != PrependScheme::Never; }

 private:
  MetaspaceOptions options_;
  std::string replacement_;  // UTF-8
  Pattern pattern_;
};

// The replacement back to spaces; in the first token it is dropped instead (every one of them,
// as the library does) unless the prepend scheme is "never". The split option plays no part.
class MetaspaceDecoder : public Decoder {
 public:
  explicit MetaspaceDecoder(const MetaspaceOptions& options)
      : replacement_(options.replacement),
        drop_in_first_(options.prepend != PrependScheme::Never) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      for (char32_t c : utf8::to_code_points(tokens[i])) {
        if (c != replacement_) {
          utf8::append(out, c);
        } else if (i > 0 || !drop_in_first_) {
          out += ' ';
        }
      }
      tokens[i] = std::move(out);
    }
    return tokens;
  }

 private:
  char32_t replacement_;
  bool drop_in_first_;
};

}  // namespace

std::unique_ptr<const PreTokenizer> make_metaspace_pre_tokenizer(const JsonNode& node,
                                                                 bool text_is_original) {
  const MetaspaceOptions options = read_options(node);
  // The library prepends on the word whose offset in the original text is 0. Words here carry
  // that only while no character was added or removed before them; a normalizer or an earlier
  // step that adds characters (ByteLevel's prefix space, another Metaspace) could make a word
  // further in start at offset 0 all the same, so rather than guess, such files are refused.
  if (options.prepend == PrependScheme::First && !text_is_original) {
    const JsonNode field = node.at("prepend_scheme", "");
    field.fail(
        "\"always\" or \"never\" here: \"first\" is read only when no normalizer and no "
        "earlier pre-tokenizer that adds characters (ByteLevel with add_prefix_space, a "
        "Metaspace that prepends) runs before it");
  }
  return std::make_unique<MetaspacePreTokenizer>(options);
}

std::unique_ptr<const Decoder> make_metaspace_decoder(const JsonNode& node) {
  return std::make_unique<MetaspaceDecoder>(read_options(node));
}

}  // namespace sy
