// Unicode canonical normalization (NFD and NFC, UAX #15) of UTF-8 text, for the NFC/NFD
// normalizers of tokenizer.json (Qwen2/3 normalize with NFC before splitting).
#pragma once

#include <string>
#include <string_view>

namespace sy {

std::string to_nfd(std::string_view text);
std::string to_nfc(std::string_view text);

}  // namespace sy
