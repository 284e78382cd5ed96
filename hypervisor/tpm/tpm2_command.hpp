// TPM 2.0 command marshalling and response parsing for the few commands the
// secure loader and the hypervisor send (GetCapability for the PCR banks,
// PCR_Extend, PCR_Read). Responses are bounds-checked like any other input:
// a TPM on an interposed bus can answer anything. Runs on the host too.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "lib/status.hpp"

namespace keel::tpm {

constexpr size_t MAX_MESSAGE = 1024;  // every message Keel sends or expects fits
constexpr size_t MAX_BANKS = 8;
constexpr size_t MAX_DIGEST = 64;
constexpr uint32_t PCR_COUNT = 24;
constexpr uint32_t RC_SUCCESS = 0;

// One allocated PCR bank: the algorithm and which PCRs it has (bit n = PCR n).
struct Bank {
    uint16_t alg;
    uint32_t pcrs;
};
struct BankList {
    Bank banks[MAX_BANKS];
    size_t count;
};

struct Digest {
    uint16_t alg;
    uint8_t bytes[MAX_DIGEST];
};
struct DigestList {
    Digest digests[MAX_BANKS];
    size_t count;
};

// Each builder writes a complete command into `buf` and returns its length,
// or 0 if it does not fit in `cap`.
size_t build_get_capability_pcrs(uint8_t* buf, size_t cap);
// `sizes[i]` is the digest size of `digests.digests[i].alg`.
size_t build_pcr_extend(uint8_t* buf, size_t cap, uint32_t pcr, const DigestList& digests, const size_t* sizes);
size_t build_pcr_read(uint8_t* buf, size_t cap, uint16_t alg, uint32_t pcr);

// The response code of a response; Truncated/Malformed if the header is bad.
Status response_code(const uint8_t* resp, size_t len, uint32_t& rc);
Status parse_get_capability_pcrs(const uint8_t* resp, size_t len, BankList& out);
// Reads the one digest a PCR_Read of one PCR returns; `size` is its length.
Status parse_pcr_read(const uint8_t* resp, size_t len, uint8_t* digest, size_t cap, size_t& size);

}  // namespace keel::tpm
