// The components a failed check names. The checks write each one into their
// sentence as `component "NAME"` with NAME escaped as eventlog::quoted does
// (\" and \\; control bytes as \xNN), and the store keeps the sentence, so
// the status page reads the names back out of it. NAME is whatever a host's
// event log said: attacker-controlled text, to be escaped for display.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace keel::verifierd {

// Each `component "…"` in `message`, unescaped (\" and \\ only; \xNN is kept
// as written), in order, without repeats; one cut off is left out.
std::vector<std::string> named_components(std::string_view message);

}  // namespace keel::verifierd
