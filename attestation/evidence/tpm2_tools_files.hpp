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
#include <string_view>
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

// A PCR selection as tpm2_quote -l and tpm2_checkquote -l take it:
// BANK:PCR[,PCR...] with banks joined by '+', e.g. "sha256:16,17,18" or
// "sha1:0,1+sha256:17" (a bank is always named: tpm2_checkquote refuses
// "16,17,18" too). Throws ParseError naming the part that is wrong.
std::vector<PcrSelection> parse_pcr_list(std::string_view text);

// The PCR file of tpm2_quote -F values (also tpm2_pcrread -o): the digests
// of `selection` and nothing else, bank after bank in selection order, PCRs
// ascending. Throws ParseError unless the size is exactly theirs.
PcrValues parse_pcr_values_file(std::span<const std::uint8_t> bytes, const std::vector<PcrSelection>& selection);

}  // namespace keel::evidence
