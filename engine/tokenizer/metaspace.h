// Metaspace of tokenizer.json, SentencePiece's way of showing spaces that newer Llama 2, Mistral
// and TinyLlama saves use, in both of its roles: as pre-tokenizer it writes each space as "▁"
// (U+2581), puts one in front of a word as its prepend_scheme says and cuts the text before each
// "▁"; as decoder it turns "▁" back into spaces, dropping the one in front.
#pragma once

#include <memory>

namespace sy {

class Decoder;
class JsonNode;
class PreTokenizer;

// `text_is_original` as for make_pre_tokenizer: prepend_scheme "first" is refused without it,
// since it must know which word begins the original text.
std::unique_ptr<const PreTokenizer> make_metaspace_pre_tokenizer(const JsonNode& node,
                                                                 bool text_is_original);
std::unique_ptr<const Decoder> make_metaspace_decoder(const JsonNode& node);

}  // namespace sy
