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

ByteView read_event_data(ByteReader& in) {
    const auto at = in.offset();
    const auto size = in.u32("event data size");
    if (size > max_event_data)
        in.fail_at(at, "event data size " + std::to_string(size) + " exceeds the limit of " +
                           std::to_string(max_event_data) + " bytes");
    return in.take(size, "event data");
}

// Where one event's digests are in LogStorage::digests; the spans are set
// once parsing ends, because the list moves as it grows.
struct DigestRange {
    std::size_t first;
    std::size_t count;
};

// TCG_PCR_EVENT: u32 pcr; u32 type; u8 sha1[20]; u32 size; u8 data[size].
void read_sha1_record(ByteReader& in, std::size_t index, std::vector<Digest>& digests, DigestRange& range, Event& e) {
    e.index = index;
    e.offset = in.offset();
    read_pcr_and_type(in, e);
    range = {digests.size(), 1};
    digests.push_back({alg_sha1, in.take(sha1_size, "SHA-1 digest")});
    e.data = read_event_data(in);
}

// TCG_PCR_EVENT2: u32 pcr; u32 type; u32 count; {u16 alg; u8 digest[]} x count;
// u32 size; u8 data[size]. Digest sizes come from the Spec ID header.
void read_agile_record(ByteReader& in, std::size_t index, const std::vector<AlgorithmSpec>& algorithms,
                       std::vector<Digest>& digests, DigestRange& range, Event& e) {
    e.index = index;
    e.offset = in.offset();
    read_pcr_and_type(in, e);
    const auto count_at = in.offset();
    const auto count = in.u32("digest count");
    if (count > algorithms.size())
        in.fail_at(count_at, "digest count " + std::to_string(count) + " exceeds the " +
                                 std::to_string(algorithms.size()) + " algorithms the Spec ID event declares");
    range = {digests.size(), count};
    for (std::uint32_t i = 0; i < count; ++i) {
        const auto alg_at = in.offset();
        const auto alg = in.u16("digest algorithm");
        auto spec = std::find_if(algorithms.begin(), algorithms.end(), [alg](const auto& a) { return a.id == alg; });
        if (spec == algorithms.end())
            in.fail_at(alg_at, "digest algorithm " + algorithm_name(alg) + " is not declared in the Spec ID event");
        if (std::any_of(digests.begin() + range.first, digests.end(),
                        [alg](const auto& d) { return d.algorithm == alg; }))
            in.fail_at(alg_at, "a second " + algorithm_name(alg) + " digest in one event");
        digests.push_back({alg, in.take(spec->digest_size, "digest")});
    }
    e.data = read_event_data(in);
}

bool at_end(ByteReader& in, EventLog& log) {
    if (in.remaining() == 0) return true;
    if (!is_filler(in.rest())) return false;
    log.padding_offset = in.offset();
    log.padding_bytes = in.remaining();
    log.padding_value = in.rest().front();
    return true;
}

template <typename ReadRecord>
void read_records(ByteReader& in, EventLog& log, std::vector<DigestRange>& ranges, ReadRecord read) {
    while (!at_end(in, log)) {
        const auto index = log.events.size();
        in.set_record(index);
        if (index >= max_events) in.fail("more than " + std::to_string(max_events) + " events");
        // Read in place: an Event is too big to move cheaply.
        read(in, index, ranges.emplace_back(), log.events.emplace_back());
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

    auto storage = std::make_shared<LogStorage>();
    storage->bytes.assign(bytes.begin(), bytes.end());
    auto& digests = storage->digests;
    ByteReader in(storage->bytes, 0);
    EventLog log;
    // Records are at least 32 bytes; most are about 100. Reserving avoids
    // moving every event as the vector grows (the verifier's hot path).
    constexpr std::size_t typical_record_bytes = 64;
    const auto expected_records = std::min(bytes.size() / typical_record_bytes + 1, max_events);
    log.events.reserve(expected_records);
    digests.reserve(expected_records);
    std::vector<DigestRange> ranges;
    ranges.reserve(expected_records);
    // Both formats begin with a SHA-1-format record; in a crypto-agile log it
    // is EV_NO_ACTION carrying the Spec ID header that lists the banks.
    Event first;
    read_sha1_record(in, 0, digests, ranges.emplace_back(), first);
    first.digests = {digests.data(), 1};
    const auto kind = classify_first_record(first);
    if (kind == FirstRecord::spec_id_agile) {
        ByteReader data(first.data, 0, in.offset() - first.data.size());
        log.spec_id = parse_spec_id(data);
        log.format = Format::crypto_agile;
        log.algorithms = log.spec_id->algorithms;
        log.events.push_back(std::move(first));
        read_records(in, log, ranges, [&](ByteReader& r, std::size_t i, DigestRange& range, Event& e) {
            read_agile_record(r, i, log.algorithms, digests, range, e);
        });
    } else {
        log.format = Format::sha1_legacy;
        log.algorithms = {{alg_sha1, sha1_size}};
        decode_event_data(first);
        log.events.push_back(std::move(first));
        read_records(in, log, ranges, [&](ByteReader& r, std::size_t i, DigestRange& range, Event& e) {
            read_sha1_record(r, i, digests, range, e);
        });
    }
    for (std::size_t i = 0; i < log.events.size(); ++i)
        log.events[i].digests = {digests.data() + ranges[i].first, ranges[i].count};
    log.storage = std::move(storage);
    return log;
}

}  // namespace keel::eventlog
