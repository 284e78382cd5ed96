// JSON parsed exactly: one meaning per document. nlohmann::json::parse keeps
// the last of two members with the same name ({"a": 1, "a": 2} reads as
// {"a": 2}), so a document can say one thing to Keel and another to a reader
// that keeps the first copy, or hide a tampered value behind a genuine one.
// Every JSON document from outside the verifier (evidence, identity and
// credential documents, reference values, policies, what an agent answers)
// is read through parse_exact, which refuses a repeated member in any object
// at any depth. Members are compared after unescaping: "nonce" and
// "non\u0063e" are the same member.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

namespace keel::json {

// what(): `member "drtm" appears twice in "event_logs"` (the path as the
// document parsers name members: "quote", "pcrs.values[1]", "components[0]";
// the top level is "the top-level object"). Names are JSON-escaped, so a
// hostile name cannot put control characters on the verifier's terminal.
class RepeatedMember : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// As nlohmann::json::parse(text, nullptr, allow_exceptions): the value; text
// that is not one JSON value throws nlohmann::json::parse_error, or without
// exceptions gives a discarded value. A repeated member always throws
// RepeatedMember.
nlohmann::json parse_exact(std::string_view text, bool allow_exceptions = false);

}  // namespace keel::json
