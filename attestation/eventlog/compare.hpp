// Checks of a parsed log against expectations, each failure a sentence that
// names the component or PCR, the expected and the actual value:
//  - components: the n-th Keel event of the log must be reference component
//    n: same name, PCR, event type and detail, and for every bank the
//    reference lists, the same digest. Missing and extra components fail.
//  - PCRs: the replay must equal the given PCR values, bank by bank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attestation/eventlog/log.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/eventlog/replay.hpp"

namespace keel::eventlog {

struct BankComparison {
    AlgorithmId bank;
    Bytes reference;
    std::optional<Bytes> event_log;  // none: the event carries no digest of this bank
    bool matches() const { return event_log == reference; }
};

struct ComponentComparison {
    std::size_t index = 0;
    std::string name;
    std::uint32_t pcr = 0;
    std::optional<std::size_t> event;  // the log record compared, if the log has one at this position
    std::vector<BankComparison> banks;
    std::vector<std::string> problems;  // empty: the component matches
    bool ok() const { return problems.empty(); }
};

struct ComponentReport {
    std::vector<ComponentComparison> components;
    std::vector<std::string> unexpected;  // log components the reference lacks
    bool ok() const;
};

ComponentReport compare_components(const EventLog& log, const ReferenceValues& reference);

struct PcrComparison {
    AlgorithmId bank;
    std::uint32_t pcr = 0;
    Bytes expected;
    Bytes replayed;  // empty when the log has no such bank
    bool extended = true;  // false: no event extends this PCR, replayed is its initial value
    std::string problem;  // empty: the values match
    bool ok() const { return problem.empty(); }
};

struct PcrReport {
    std::vector<PcrComparison> pcrs;
    bool ok() const;
};

PcrReport compare_pcrs(const EventLog& log, const Replay& replay, const PcrValues& expected);

}  // namespace keel::eventlog
