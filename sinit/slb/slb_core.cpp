// The SLB's core: the only part SKINIT measures, so it is kept small. It
// finds the TPM's PCR banks at locality 2, hashes the rest of the SLB (the
// loader) in every bank, extends PCR 17 with it, and only then runs it. The
// loader does everything else (event log, measuring the hypervisor and the
// modules, loading and entering the hypervisor). The core calls nothing
// outside itself but the loader's entry: sinit/slb/check_position_independent.sh
// checks that at build time.
#include "../../hypervisor/arch/x86/serial.hpp"
#include "lib/crypto/digest.hpp"
#include "../../hypervisor/tpm/tis.hpp"
#include "hypervisor/tpm/pcr_access.hpp"
#include "../common/handoff.hpp"
#include "../common/launch_plan.hpp"
#include "core_result.hpp"

namespace keel::slb {
namespace {

constinit CoreResult result;

void say(const char* s) {
    while (*s) x86::serial::put(*s++);
}

[[noreturn]] void stop(const char* why) {
    say("keel-slb: FATAL: ");
    say(why);
    say("; halting\n");
    for (;;) asm volatile("cli; hlt");
}

}  // namespace
}  // namespace keel::slb

using namespace keel;
using namespace keel::slb;

extern "C" [[noreturn]] void slb_main(uint64_t base) {
    x86::serial::init();
    auto* header = reinterpret_cast<const launch::SlbHeader*>(base);
    say("keel-slb: core running; measuring the loader\n");
    if (header->image_length <= header->measured_length || header->image_length > header->handoff_offset)
        stop("the SLB header is inconsistent");

    tpm::Tis tis(2);
    if (!tpm::Tis::present() || tis.request_locality() != Status::Ok) stop("no TPM answers at locality 2");
    tpm::BankList banks;
    if (tpm::read_banks(tis, banks) != Status::Ok) stop("TPM2_GetCapability(PCRS) failed");
    for (size_t i = 0; i < banks.count; ++i) {
        if (!(banks.banks[i].pcrs & (1u << launch::PCR_DRTM))) continue;
        // An allocated bank Keel cannot hash would hold the same value
        // whatever was launched.
        if (!crypto::is_supported(banks.banks[i].alg)) stop("an allocated PCR bank uses a hash Keel lacks");
        result.algs[result.count] = banks.banks[i].alg;
        result.sizes[result.count] = crypto::digest_size(crypto::HashAlg(banks.banks[i].alg));
        ++result.count;
    }
    if (result.count == 0) stop("no PCR bank has PCR 17");

    const auto* loader = reinterpret_cast<const uint8_t*>(base + header->measured_length);
    size_t loader_size = header->image_length - header->measured_length;
    result.loader.count = result.count;
    for (size_t i = 0; i < result.count; ++i) {
        result.loader.digests[i].alg = result.algs[i];
        crypto::hash(crypto::HashAlg(result.algs[i]), loader, loader_size, result.loader.digests[i].bytes);
    }
    uint32_t rc;
    if (tpm::extend_pcr(tis, launch::PCR_DRTM, result.loader, result.sizes, rc) != Status::Ok)
        stop("TPM2_PCR_Extend of the loader into PCR 17 failed");
    slb_loader_main(base, &result);
}
