#include "hypervisor/tpm/pcr_access.hpp"

namespace keel::tpm {
namespace {

uint8_t command[MAX_MESSAGE];
uint8_t response[MAX_MESSAGE];

}  // namespace

Status read_banks(Tis& tis, BankList& out) {
    size_t len = build_get_capability_pcrs(command, sizeof command), got;
    if (Status s = tis.transmit(command, len, response, sizeof response, got); s != Status::Ok) return s;
    return parse_get_capability_pcrs(response, got, out);
}

Status read_pcr(Tis& tis, uint16_t alg, uint32_t pcr, uint8_t* digest, size_t& size) {
    size_t len = build_pcr_read(command, sizeof command, alg, pcr), got;
    if (Status s = tis.transmit(command, len, response, sizeof response, got); s != Status::Ok) return s;
    return parse_pcr_read(response, got, digest, MAX_DIGEST, size);
}

Status extend_pcr(Tis& tis, uint32_t pcr, const DigestList& digests, const size_t* sizes, uint32_t& rc) {
    rc = RC_SUCCESS;
    size_t len = build_pcr_extend(command, sizeof command, pcr, digests, sizes), got;
    if (len == 0) return Status::OutOfMemory;
    if (Status s = tis.transmit(command, len, response, sizeof response, got); s != Status::Ok) return s;
    if (Status s = response_code(response, got, rc); s != Status::Ok) return s;
    return rc == RC_SUCCESS ? Status::Ok : Status::Unsupported;
}

}  // namespace keel::tpm
