// libFuzzer target: the event-log parser must, for any bytes, either return a
// log whose every record lies inside them or throw ParseError, never crash or
// read outside; the description of every event must be printable.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "attestation/eventlog/describe.hpp"
#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A private copy: ASan then catches any read past the end.
    std::vector<uint8_t> bytes(data, data + size);
    keel::eventlog::EventLog log;
    try {
        log = keel::eventlog::parse(bytes);
    } catch (const keel::eventlog::ParseError&) { return 0; }
    if (log.events.empty() || log.algorithms.empty()) abort();
    std::size_t end = 0;
    for (const auto& e : log.events) {
        if (e.offset < end || e.offset >= size || e.data.size() > size) abort();
        end = e.offset;
        if (e.keel && (e.keel->name.empty() || !e.problem.empty())) abort();
        if (e.digests.size() > log.algorithms.size()) abort();
        for (unsigned char c : keel::eventlog::describe(log, e))
            if (c < 0x20 || c == 0x7F) abort();
    }
    if (log.padding_bytes && log.padding_offset + log.padding_bytes != size) abort();
    return 0;
}
