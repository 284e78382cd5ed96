// libFuzzer target: TPM responses as the secure loader and the hypervisor
// parse them. A TPM on an interposed bus can send anything; the parsers must
// return a status and never read outside the response.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "hypervisor/tpm/tpm2_command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> bytes(data, data + size);
    keel::tpm::BankList banks;
    if (keel::tpm::parse_get_capability_pcrs(bytes.data(), bytes.size(), banks) == keel::Status::Ok &&
        banks.count > keel::tpm::MAX_BANKS)
        abort();
    uint8_t digest[keel::tpm::MAX_DIGEST];
    size_t n = 0;
    if (keel::tpm::parse_pcr_read(bytes.data(), bytes.size(), digest, sizeof digest, n) == keel::Status::Ok &&
        n > sizeof digest)
        abort();
    uint32_t rc;
    (void)keel::tpm::response_code(bytes.data(), bytes.size(), rc);
    return 0;
}
