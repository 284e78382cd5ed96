// The two ways a token fails, kept apart because they mean different things
// to whoever asked: MalformedToken is bytes that are not a token at all (bad
// input, exit 2); TokenRefused is a token that parses but must not be
// believed (wrong algorithm, signature, key or time: exit 1). what() is a
// sentence naming the part and the reason.
#pragma once

#include <stdexcept>

namespace keel::ear {

class MalformedToken : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class TokenRefused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A key that is not an ES256 key, or a file that holds none.
class KeyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace keel::ear
