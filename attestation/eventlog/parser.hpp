// Parser of TCG PC Client event logs: untrusted bytes in, a typed EventLog
// out, or a ParseError naming the record and byte offset of the first
// problem. Crypto-agile logs (Spec ID Event03 header, then TCG_PCR_EVENT2) and
// legacy SHA-1 logs (TCG_PCR_EVENT only) are accepted; a tail of filler bytes
// (all 0x00, as in the TXT heap, or all 0xFF, as in a flash region) ends the
// log. The parser needs no crypto library, so the fuzz target builds it alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "attestation/eventlog/log.hpp"

namespace keel::eventlog {

// Bounds on untrusted input; anything beyond is an error, never an allocation.
inline constexpr std::size_t max_log_bytes = 64u << 20;  // real logs: 2 KiB (DRTM) to 100 KiB (UEFI)
inline constexpr std::size_t max_event_data = 16u << 20;  // one event's data
inline constexpr std::size_t max_events = 1'000'000;  // records in one log
inline constexpr std::size_t max_algorithms = 16;  // banks in a Spec ID header
inline constexpr std::size_t max_digest_size = 64;  // SHA-512, the largest TPM digest
inline constexpr std::uint32_t max_pcr_index = 31;  // TPM2_MAX_PCRS - 1
// Filler shorter than a record's PCR and type fields cannot be told apart from
// a record cut short, so a shorter all-zero tail is reported as truncation.
inline constexpr std::size_t min_padding_bytes = 8;

// Throws ParseError when the bytes are not a well-formed log.
EventLog parse(std::span<const std::uint8_t> bytes);

}  // namespace keel::eventlog
