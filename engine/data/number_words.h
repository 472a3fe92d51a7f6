// English number words, shared by the `spell` task and the pretraining corpus so that the model
// is pretrained on exactly the spelling the task later asks for.
#pragma once

#include <string>

namespace sy {

// 0..999 in American English words without "and": 0 -> "zero", 42 -> "forty-two",
// 342 -> "three hundred forty-two", 700 -> "seven hundred". Throws std::out_of_range otherwise.
std::string number_to_words(int n);

}  // namespace sy
