// One line a person can read about an event's data: Keel events by name and
// detail, the Spec ID header by its banks, text-like events as text, anything
// else as a short hex preview. Control characters never reach the terminal.
#pragma once

#include <string>
#include <string_view>

#include "attestation/eventlog/log.hpp"

namespace keel::eventlog {

std::string describe(const EventLog& log, const Event& event);

// `text` in double quotes, with quotes, backslashes and non-printable bytes
// escaped (\n, \xNN); UTF-8 sequences above ASCII pass unchanged.
std::string quoted(std::string_view text);
// The same escapes without the quotes around: for a name in a sentence.
std::string escaped(std::string_view text);

}  // namespace keel::eventlog
