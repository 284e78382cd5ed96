#include "hypervisor/kernel/drtm_report.hpp"

#include "hypervisor/kernel/console.hpp"
#include "hypervisor/tpm/drtm_log_replay.hpp"
#include "hypervisor/tpm/pcr_access.hpp"
#include "lib/crypto/digest.hpp"

namespace keel {
namespace {

constexpr size_t DUMP_LINE = 32;

// What the TPM says PCR 17-22 hold, per bank Keel can hash.
struct TpmBank {
    uint16_t alg;
    size_t size;
    bool read[tpm::DRTM_PCR_COUNT];
    uint8_t pcrs[tpm::DRTM_PCR_COUNT][tpm::MAX_DIGEST];
};
struct TpmPcrs {
    TpmBank banks[tpm::MAX_BANKS];
    size_t count;
};

constinit TpmPcrs tpm_pcrs;
constinit tpm::DrtmReplay replay;

void print_digest(const uint8_t* d, size_t n) {
    for (size_t i = 0; i < n; ++i) console::print("%02x", d[i]);
}

bool equal(const uint8_t* a, const uint8_t* b, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

void dump_event_log(const mb2::DrtmLaunch& d) {
    const auto* log = reinterpret_cast<const uint8_t*>(d.event_log);
    console::print("eventlog: begin %u bytes\n", d.event_log_used);
    for (uint32_t off = 0; off < d.event_log_used; off += DUMP_LINE) {
        console::print("eventlog: ");
        print_digest(log + off, d.event_log_used - off < DUMP_LINE ? d.event_log_used - off : DUMP_LINE);
        console::print("\n");
    }
    console::print("eventlog: end\n");
}

// Reads PCR 17-22 of every bank Keel can hash, printing 17-19.
bool read_drtm_pcrs(tpm::Tis& tis, const tpm::BankList& banks) {
    bool any = false;
    tpm_pcrs.count = 0;
    for (size_t b = 0; b < banks.count; ++b) {
        uint16_t alg = banks.banks[b].alg;
        if (!(banks.banks[b].pcrs & (1u << tpm::DRTM_FIRST_PCR))) continue;  // a bank with no PCRs allocated
        const char* name = crypto::hash_name(crypto::HashAlg(alg));
        if (!name) {
            console::print("tpm: PCR bank alg 0x%04x cannot be hashed by Keel\n", alg);
            continue;
        }
        TpmBank& t = tpm_pcrs.banks[tpm_pcrs.count++];
        t = {};
        t.alg = alg;
        for (uint32_t i = 0; i < tpm::DRTM_PCR_COUNT; ++i) {
            uint32_t pcr = tpm::DRTM_FIRST_PCR + i;
            if (!(banks.banks[b].pcrs & (1u << pcr))) continue;
            if (tpm::read_pcr(tis, alg, pcr, t.pcrs[i], t.size) != Status::Ok) continue;
            t.read[i] = any = true;
            if (pcr > 19) continue;
            console::print("tpm: PCR %u %s ", pcr, name);
            print_digest(t.pcrs[i], t.size);
            console::print("\n");
        }
    }
    return any;
}

// The launch is confirmed only if the log replays from the locality-4 reset
// (zeros) to every PCR 17-22 value read, in every bank: PCR 17 merely not
// being all ones is what a loader run without any locality-4 reset (a fake
// SKINIT) leaves too, extended from all ones at locality 2.
void confirm_launch(const mb2::BootInfo& info) {
    bool pcr17_set = false;
    for (size_t b = 0; b < tpm_pcrs.count; ++b)
        if (tpm_pcrs.banks[b].read[0] && !tpm::is_all_ones(tpm_pcrs.banks[b].pcrs[0], tpm_pcrs.banks[b].size))
            pcr17_set = true;
    if (!pcr17_set) {
        console::print("drtm: no DRTM took place: PCR 17 reads all ones; this boot is not measured\n");
        return;
    }
    if (!info.drtm.present || !info.drtm.event_log_used) {
        console::print("drtm: dynamic launch NOT confirmed: PCR 17 is not all ones, but there is no DRTM event log "
                       "to account for it\n");
        return;
    }
    const auto* log = reinterpret_cast<const uint8_t*>(info.drtm.event_log);
    if (Status s = tpm::replay_drtm_log(log, info.drtm.event_log_used, replay); s != Status::Ok) {
        console::print("drtm: dynamic launch NOT confirmed: the DRTM event log cannot be replayed (%s: %s)\n",
                       status_name(s), replay.error);
        return;
    }
    bool confirmed = true;
    for (size_t b = 0; b < tpm_pcrs.count; ++b) {
        const TpmBank& t = tpm_pcrs.banks[b];
        const char* name = crypto::hash_name(crypto::HashAlg(t.alg));
        const tpm::ReplayedBank* r = replay.bank(t.alg);
        if (!r) {
            console::print("drtm: dynamic launch NOT confirmed: the TPM has a %s bank the event log lacks\n", name);
            confirmed = false;
            continue;
        }
        for (uint32_t i = 0; i < tpm::DRTM_PCR_COUNT; ++i) {
            if (!t.read[i]) {
                console::print("drtm: dynamic launch NOT confirmed: PCR %u %s could not be read\n",
                               tpm::DRTM_FIRST_PCR + i, name);
                confirmed = false;
            } else if (t.size != r->size || !equal(t.pcrs[i], r->pcrs[i], t.size)) {
                console::print("drtm: dynamic launch NOT confirmed: PCR %u %s is not what the event log replays to "
                               "from the locality-4 reset (zeros); a launch without that reset, or a log that "
                               "does not describe it\n",
                               tpm::DRTM_FIRST_PCR + i, name);
                confirmed = false;
            }
        }
    }
    if (!confirmed) return;
    console::print("drtm: dynamic launch confirmed by the TPM: the event log (%zu events) replays from the "
                   "locality-4 reset to PCR 17-22 in ",
                   replay.events);
    for (size_t b = 0; b < tpm_pcrs.count; ++b)
        console::print("%s%s", b ? ", " : "", crypto::hash_name(crypto::HashAlg(tpm_pcrs.banks[b].alg)));
    console::print("\n");
}

}  // namespace

void report_drtm(const mb2::BootInfo& info, bool dump) {
    if (info.drtm.present)
        console::print("drtm: secure loader at 0x%lx (%u bytes measured) left an event log at 0x%lx (%u bytes, "
                       "%u banks)\n",
                       info.drtm.slb_base, info.drtm.slb_measured_length, info.drtm.event_log, info.drtm.event_log_used,
                       info.drtm.banks);
    else
        console::print("drtm: not started by Keel's secure loader (no DRTM tag in the boot information)\n");
    if (info.drtm.present && info.drtm.dma_tables)
        console::print("iommu: %u AMD IOMMU(s) block all device DMA since the secure loader (tables at 0x%lx, kept)\n",
                       info.drtm.iommu_count, info.drtm.dma_tables);
    else if (info.drtm.present)
        console::print("iommu: device DMA is NOT blocked: the launch switched DMA protection off\n");

    if (!tpm::Tis::present()) {
        console::print("tpm: no TPM at 0xfed40000; whether a dynamic launch happened cannot be checked\n");
        return;
    }
    tpm::Tis tis(0);
    tpm::BankList banks;
    if (tis.request_locality() != Status::Ok || tpm::read_banks(tis, banks) != Status::Ok) {
        console::print("tpm: the TPM (id 0x%08x) did not answer at locality 0\n", tpm::Tis::vendor_device());
        return;
    }
    console::print("tpm: TPM 2.0 (id 0x%08x), %zu PCR banks\n", tpm::Tis::vendor_device(), banks.count);
    bool read_any = read_drtm_pcrs(tis, banks);
    tis.release_locality();
    if (!read_any)
        console::print("drtm: dynamic launch NOT confirmed: the DRTM PCRs could not be read\n");
    else
        confirm_launch(info);
    if (dump && info.drtm.present && info.drtm.event_log_used) dump_event_log(info.drtm);
}

}  // namespace keel
