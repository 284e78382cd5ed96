// What `keel eventlog` prints: the log, its replay and the results of the
// comparisons that were asked for, as text for people or as one JSON document.
#pragma once

#include <ostream>

#include "attestation/eventlog/compare.hpp"
#include "attestation/eventlog/log.hpp"
#include "attestation/eventlog/replay.hpp"

namespace keel::cli {

struct EventlogReport {
    const eventlog::EventLog& log;
    const eventlog::Replay& replay;
    const eventlog::ComponentReport* components = nullptr;  // with --reference
    const eventlog::PcrReport* reference_pcrs = nullptr;  // with --reference, when it lists PCR values
    const eventlog::PcrReport* pcrs = nullptr;  // with --pcrs

    bool ok() const {
        return (!components || components->ok()) && (!reference_pcrs || reference_pcrs->ok()) && (!pcrs || pcrs->ok());
    }
};

void print_text(std::ostream& out, const EventlogReport& report);
void print_json(std::ostream& out, const EventlogReport& report);

}  // namespace keel::cli
