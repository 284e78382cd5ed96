// The PCR commands Keel sends through one TIS locality: which banks exist,
// read one PCR, extend one PCR in several banks. Every response is checked:
// a TPM on an interposed bus can answer anything.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/tpm/tis.hpp"
#include "hypervisor/tpm/tpm2_command.hpp"
#include "lib/status.hpp"

namespace keel::tpm {

// A DRTM PCR that reads all ones was never reset by a dynamic launch.
inline bool is_all_ones(const uint8_t* digest, size_t size) {
    for (size_t i = 0; i < size; ++i)
        if (digest[i] != 0xff) return false;
    return size != 0;
}

[[nodiscard]] Status read_banks(Tis& tis, BankList& out);
[[nodiscard]] Status read_pcr(Tis& tis, uint16_t alg, uint32_t pcr, uint8_t* digest, size_t& size);
// Unsupported, with the TPM's response code in `rc`, when the TPM refuses.
[[nodiscard]] Status extend_pcr(Tis& tis, uint32_t pcr, const DigestList& digests, const size_t* sizes, uint32_t& rc);

}  // namespace keel::tpm
