// Number words up to 999: the range of the `spell` task; larger numbers are not needed.
#include "engine/data/number_words.h"

#include <stdexcept>

namespace sy {

namespace {

const char* const kOnes[] = {"zero",    "one",     "two",       "three",    "four",
                             "five",    "six",     "seven",     "eight",    "nine",
                             "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                             "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
const char* const kTens[] = {"",      "",      "twenty",  "thirty", "forty",
                             "fifty", "sixty", "seventy", "eighty", "ninety"};

// 1..99; the caller handles zero, which is only ever said on its own.
std::string below_hundred(int n) {
  if (n < 20) return kOnes[n];
  std::string words = kTens[n / 10];
  if (n % 10 != 0) words += std::string("-") + kOnes[n % 10];
  return words;
}

}  // namespace

std::string number_to_words(int n) {
  if (n < 0 || n > 999) {
    throw std::out_of_range("number_to_words: " + std::to_string(n) + " is outside 0..999");
  }
  if (n == 0) return kOnes[0];
  std::string words;
  if (n >= 100) {
    words = std::string(kOnes[n / 100]) + " hundred";
    if (n % 100 == 0) return words;
    words += " ";
  }
  return words + below_hundred(n % 100);
}

}  // namespace sy
