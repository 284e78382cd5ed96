// libFuzzer target: the hypervisor's DRTM event-log replay. The log lies in
// memory the unmeasured pre-launch stage could write; replay must return a
// status, never read outside the log, and never report more banks than fit.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "hypervisor/tpm/drtm_log_replay.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<uint8_t> bytes(data, data + size);
    static keel::tpm::DrtmReplay replay;
    keel::Status s = keel::tpm::replay_drtm_log(bytes.data(), bytes.size(), replay);
    if (replay.bank_count > keel::tpm::MAX_BANKS) abort();
    if (s != keel::Status::Ok && !replay.error) abort();  // every refusal says why
    return 0;
}
