#include "hypervisor/kernel/drtm_cap.hpp"

#include "hypervisor/kernel/console.hpp"
#include "hypervisor/tpm/pcr_access.hpp"
#include "lib/crypto/digest.hpp"

namespace keel::drtm {
namespace {

constexpr uint32_t CAPPED_PCRS[] = {17, 18, 19};
// Extending PCR 17 and 18 needs locality 2-4, PCR 19 locality 2-3.
constexpr uint8_t CAP_LOCALITY = 2;

constinit bool capped = false;

}  // namespace

void cap_pcrs(const char* why) {
    if (capped) return;  // a fault while capping must not start over
    capped = true;
    if (!tpm::Tis::present()) return;
    tpm::Tis tis(CAP_LOCALITY);
    tpm::BankList banks;
    if (tis.request_locality() != Status::Ok || tpm::read_banks(tis, banks) != Status::Ok) {
        console::print("drtm: cannot cap PCR 17-19 (%s): the TPM does not answer at locality 2\n", why);
        return;
    }
    tpm::DigestList cap{};
    size_t sizes[tpm::MAX_BANKS] = {};
    bool launched = false;
    for (size_t b = 0; b < banks.count; ++b) {
        auto alg = crypto::HashAlg(banks.banks[b].alg);
        if (!crypto::is_supported(banks.banks[b].alg) || !(banks.banks[b].pcrs & (1u << 17))) continue;
        uint8_t pcr17[tpm::MAX_DIGEST];
        size_t size = 0;
        if (tpm::read_pcr(tis, banks.banks[b].alg, 17, pcr17, size) == Status::Ok && !tpm::is_all_ones(pcr17, size))
            launched = true;
        cap.digests[cap.count].alg = banks.banks[b].alg;
        crypto::hash(alg, CAP_EVENT, sizeof CAP_EVENT - 1, cap.digests[cap.count].bytes);
        sizes[cap.count++] = crypto::digest_size(alg);
    }
    if (!launched) {  // nothing measured to leave: keep "no DRTM" readable as all ones
        tis.release_locality();
        return;
    }
    bool all = true;
    for (uint32_t pcr : CAPPED_PCRS) {
        uint32_t rc;
        if (tpm::extend_pcr(tis, pcr, cap, sizes, rc) != Status::Ok) {
            console::print("drtm: capping PCR %u failed (TPM response 0x%x)\n", pcr, rc);
            all = false;
        }
    }
    tis.release_locality();
    if (all)
        console::print("drtm: capped PCR 17, 18, 19 in %zu banks (%s): no quote from now on matches a reference\n",
                       cap.count, why);
}

}  // namespace keel::drtm
