// The files tpm2-tools 5.4 writes for `tpm2_quote -m/-s/-o` and reads in
// `tpm2_checkquote`, so `keel verify` can stand in for tpm2_checkquote.
// The message (-m) is TPMS_ATTEST and the signature (-s, default format
// "tss") TPMT_SIGNATURE, both standard marshalling (tpm_types.hpp). The PCR
// file (-o, default format "serialized") is a little-endian memory dump of
// tpm2-tools' own structs (checked against tpm2_quote 5.4 on swtpm, see
// tests/data/evidence/README.md):
//   offset 0: TPML_PCR_SELECTION, 132 bytes: u32 count, 16 x {u16 hash,
//             u8 sizeofSelect, u8 pcrSelect[4], 1 byte padding}
//   offset 132: u32 n, the number of digest lists (at most 32)
//   offset 136: n TPML_DIGEST, 532 bytes each: u32 count, 8 x {u16 size,
//             u8 buffer[64]}
// so the file has 136 + 532n bytes (11 SHA-256 PCRs: 1,200). The lists are
// the TPM2_PCR_Read responses in order, up to 8 digests each; together they
// fill the selection bank by bank, PCRs ascending, and one list may hold the
// end of one bank and the start of the next. Only counts, sizes and the
// selected bits are read: padding, pcrSelect bytes past sizeofSelect, unused
// entries and digest bytes past each size are whatever tpm2-tools' memory
// held.
#pragma once

#include <span>
#include <vector>

#include "attestation/evidence/quote_check.hpp"
#include "attestation/evidence/tpm_types.hpp"

namespace keel::evidence {

struct Tpm2ToolsPcrs {
    std::vector<PcrSelection> selection;
    PcrValues values;
};

// Throws ParseError on anything but an exact, self-consistent file.
Tpm2ToolsPcrs parse_tpm2_tools_pcrs(std::span<const std::uint8_t> bytes);

}  // namespace keel::evidence
