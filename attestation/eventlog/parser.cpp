#include "attestation/eventlog/parser.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include "attestation/eventlog/byte_reader.hpp"
#include "attestation/eventlog/event_data.hpp"
#include "attestation/eventlog/spec_id.hpp"

namespace keel::eventlog {
namespace {

constexpr std::size_t sha1_size = 20;

bool is_filler(std::span<const std::uint8_t> tail) {
    if (tail.size() < min_padding_bytes) return false;
    const auto first = tail.front();
    return (first == 0x00 || first == 0xFF) &&
           std::all_of(tail.begin(), tail.end(), [first](auto b) { return b == first; });
}

// PCR index and event type. EV_NO_ACTION events extend nothing, and Windows
// logs them with PCR index 0xFFFFFFFF; any other event must name a real PCR.
void read_pcr_and_type(ByteReader& in, Event& e) {
    const auto at = in.offset();
    e.pcr = in.u32("PCR index");
    e.type = in.u32("event type");
    if (e.pcr > max_pcr_index && e.type != ev_no_action)
        in.fail_at(at,
                   "PCR index " + std::to_string(e.pcr) + " is out of range (0-" + std::to_string(max_pcr_index) + ")");
}

Bytes read_event_data(ByteReader& in) {
    const auto at = in.offset();
    const auto size = in.u32("event data size");
    if (size > max_event_data)
        in.fail_at(at, "event data size " + std::to_string(size) + " exceeds the limit of " +
                           std::to_string(max_event_data) + " bytes");
    auto data = in.take(size, "event data");
    return {data.begin(), data.end()};
}

// TCG_PCR_EVENT: u32 pcr; u32 type; u8 sha1[20]; u32 size; u8 data[size].
Event read_sha1_record(ByteReader& in, std::size_t index) {
    Event e;
    e.index = index;
    e.offset = in.offset();
    read_pcr_and_type(in, e);
    auto digest = in.take(sha1_size, "SHA-1 digest");
    e.digests.push_back({alg_sha1, Bytes(digest.begin(), digest.end())});
    e.data = read_event_data(in);
    return e;
}

// TCG_PCR_EVENT2: u32 pcr; u32 type; u32 count; {u16 alg; u8 digest[]} x count;
// u32 size; u8 data[size]. Digest sizes come from the Spec ID header.
Event read_agile_record(ByteReader& in, std::size_t index, const std::vector<AlgorithmSpec>& algorithms) {
    Event e;
    e.index = index;
    e.offset = in.offset();
    read_pcr_and_type(in, e);
    const auto count_at = in.offset();
    const auto count = in.u32("digest count");
    if (count > algorithms.size())
        in.fail_at(count_at, "digest count " + std::to_string(count) + " exceeds the " +
                                 std::to_string(algorithms.size()) + " algorithms the Spec ID event declares");
    e.digests.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        const auto alg_at = in.offset();
        const auto alg = in.u16("digest algorithm");
        auto spec = std::find_if(algorithms.begin(), algorithms.end(), [alg](const auto& a) { return a.id == alg; });
        if (spec == algorithms.end())
            in.fail_at(alg_at, "digest algorithm " + algorithm_name(alg) + " is not declared in the Spec ID event");
        if (e.digest(alg)) in.fail_at(alg_at, "a second " + algorithm_name(alg) + " digest in one event");
        auto digest = in.take(spec->digest_size, "digest");
        e.digests.push_back({alg, Bytes(digest.begin(), digest.end())});
    }
    e.data = read_event_data(in);
    return e;
}

bool at_end(ByteReader& in, EventLog& log) {
    if (in.remaining() == 0) return true;
    if (!is_filler(in.rest())) return false;
    log.padding_offset = in.offset();
    log.padding_bytes = in.remaining();
    log.padding_value = in.rest().front();
    return true;
}

template <typename ReadRecord> void read_records(ByteReader& in, EventLog& log, ReadRecord read) {
    while (!at_end(in, log)) {
        const auto index = log.events.size();
        in.set_record(index);
        if (index >= max_events) in.fail("more than " + std::to_string(max_events) + " events");
        log.events.push_back(read(in, index));
        decode_event_data(log.events.back());
    }
}

}  // namespace

EventLog parse(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) throw ParseError(0, 0, "the event log is empty");
    if (bytes.size() > max_log_bytes)
        throw ParseError(0, 0,
                         "the event log is " + std::to_string(bytes.size()) + " bytes, more than the limit of " +
                             std::to_string(max_log_bytes));
    if (is_filler(bytes)) throw ParseError(0, 0, "the event log holds only filler bytes (all 0x00 or all 0xFF)");

    ByteReader in(bytes, 0);
    EventLog log;
    // Records are at least 32 bytes; most are about 100. Reserving avoids
    // moving every event as the vector grows (the verifier's hot path).
    constexpr std::size_t typical_record_bytes = 64;
    log.events.reserve(std::min(bytes.size() / typical_record_bytes + 1, max_events));
    // Both formats begin with a SHA-1-format record; in a crypto-agile log it
    // is EV_NO_ACTION carrying the Spec ID header that lists the banks.
    Event first = read_sha1_record(in, 0);
    const auto kind = classify_first_record(first);
    if (kind == FirstRecord::spec_id_agile) {
        ByteReader data(first.data, 0, in.offset() - first.data.size());
        log.spec_id = parse_spec_id(data);
        log.format = Format::crypto_agile;
        log.algorithms = log.spec_id->algorithms;
        log.events.push_back(std::move(first));
        read_records(in, log, [&](ByteReader& r, std::size_t i) { return read_agile_record(r, i, log.algorithms); });
    } else {
        log.format = Format::sha1_legacy;
        log.algorithms = {{alg_sha1, sha1_size}};
        decode_event_data(first);
        log.events.push_back(std::move(first));
        read_records(in, log, read_sha1_record);
    }
    return log;
}

}  // namespace keel::eventlog
