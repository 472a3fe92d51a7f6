// The Porter stemmer as NLTK runs it by default (mode NLTK_EXTENSIONS), because that is the
// stemmer Google's rouge-score applies with use_stemmer=True: ROUGE scores only match the
// published ones if the stems match NLTK's, quirks included.
#pragma once

#include <string>
#include <string_view>

namespace sy {

// The stem of one word. ASCII letters are lowercased first (other bytes are kept as they are);
// words of one or two characters come back lowercased but otherwise unchanged, and a few
// irregular forms ("skies", "dying", "news", "innings", ...) map to NLTK's fixed stems.
std::string porter_stem(std::string_view word);

}  // namespace sy
