// The typed form of a TCG event log, as the parser (parser.hpp) produces it
// from untrusted bytes. Nothing here has been verified: a digest is what the
// log claims, not what a TPM holds. Only a replay compared with quoted PCR
// values (replay.hpp) makes the digests evidence; event types and data are
// never covered by a PCR (go-attestation's event-log disclosure).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/eventlog/event_types.hpp"

namespace keel::eventlog {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

enum class Format {
    crypto_agile,  // Spec ID Event03 header, then TCG_PCR_EVENT2 records
    sha1_legacy,  // TCG_PCR_EVENT records only (TPM 1.2, and TPM 2.0 firmware in SHA-1 mode)
};

struct Digest {
    AlgorithmId algorithm;
    ByteView value;  // in the log's bytes (EventLog::storage)
};

struct AlgorithmSpec {
    AlgorithmId id;
    std::uint16_t digest_size;
};

// TCG_EfiSpecIDEventStruct, the data of a crypto-agile log's first record.
struct SpecId {
    std::string signature;  // "Spec ID Event03"
    std::uint32_t platform_class = 0;
    std::uint8_t version_minor = 0;
    std::uint8_t version_major = 0;
    std::uint8_t errata = 0;
    std::uint8_t uintn_size = 0;
    std::vector<AlgorithmSpec> algorithms;  // the banks; digest sizes come from here
    Bytes vendor_info;
};

// Decoded data of a Keel DRTM event: `name` NUL `detail`.
struct KeelEventData {
    std::string name;  // e.g. "hypervisor"
    std::string detail;  // e.g. the command line "debug-exit=0xf4"; may be empty
};

struct Event {
    std::size_t index = 0;  // record number in the log, 0 = the first record
    std::size_t offset = 0;  // byte offset of the record in the log
    std::uint32_t pcr = 0;
    EventType type = 0;
    // Both point into EventLog::storage: an Event is valid while a copy of
    // its log lives. One allocation per log instead of several per event
    // keeps the verifier's parse-and-replay fast.
    std::span<const Digest> digests;  // at most one per algorithm, in log order
    ByteView data;

    // Decoded from the data where the type defines a layout:
    std::optional<KeelEventData> keel;  // a well-formed Keel event
    std::optional<std::uint8_t> startup_locality;  // EV_NO_ACTION "StartupLocality"
    std::string problem;  // why the data is malformed for the type; empty when it is not

    const Digest* digest(AlgorithmId algorithm) const {
        for (const auto& d : digests)
            if (d.algorithm == algorithm) return &d;
        return nullptr;
    }
};

// What the events' spans point into: a copy of the log's bytes and every
// event's digests, in order. Shared, so that copies of a log stay valid.
struct LogStorage {
    Bytes bytes;
    std::vector<Digest> digests;
};

struct EventLog {
    std::shared_ptr<const LogStorage> storage;
    Format format = Format::crypto_agile;
    std::optional<SpecId> spec_id;  // crypto-agile logs only
    std::vector<AlgorithmSpec> algorithms;  // the banks: Spec ID's list, or sha1 for legacy logs
    std::vector<Event> events;  // every record, the Spec ID header included
    std::size_t padding_offset = 0;  // where filler (all 0x00 or all 0xFF) begins
    std::size_t padding_bytes = 0;  // 0 when the log ends with its last record
    std::uint8_t padding_value = 0;  // the filler byte
};

}  // namespace keel::eventlog
