// The first record of a log tells its format: a crypto-agile log begins with
// an EV_NO_ACTION record whose data is TCG_EfiSpecIDEventStruct with the
// signature "Spec ID Event03" and the list of banks with their digest sizes.
#pragma once

#include "attestation/eventlog/byte_reader.hpp"
#include "attestation/eventlog/log.hpp"

namespace keel::eventlog {

enum class FirstRecord {
    spec_id_agile,  // "Spec ID Event03": TCG_PCR_EVENT2 records follow
    sha1_log,  // anything else SHA-1-only logs begin with (incl. "Spec ID Event00"/"02")
};

// Throws ParseError for a Spec ID signature of an unknown version, and for a
// Spec ID Event03 header outside PCR 0 or with a non-zero digest.
FirstRecord classify_first_record(const Event& first);

// Parses the header's data (read through `data`, whose offsets are absolute).
SpecId parse_spec_id(ByteReader& data);

}  // namespace keel::eventlog
