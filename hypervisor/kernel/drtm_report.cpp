#include "drtm_report.hpp"

#include "../lib/crypto/digest.hpp"
#include "../tpm/tis.hpp"
#include "../tpm/tpm2_command.hpp"
#include "console.hpp"

namespace keel {
namespace {

constexpr uint32_t DRTM_PCRS[] = {17, 18, 19};
constexpr size_t DUMP_LINE = 32;

uint8_t command[tpm::MAX_MESSAGE];
uint8_t response[tpm::MAX_MESSAGE];

Status read_pcr(tpm::Tis& tis, uint16_t alg, uint32_t pcr, uint8_t* digest, size_t& size) {
    size_t len = tpm::build_pcr_read(command, sizeof command, alg, pcr), got;
    if (Status s = tis.transmit(command, len, response, sizeof response, got); s != Status::Ok) return s;
    return tpm::parse_pcr_read(response, got, digest, tpm::MAX_DIGEST, size);
}

void print_digest(const uint8_t* d, size_t n) {
    for (size_t i = 0; i < n; ++i) console::print("%02x", d[i]);
}

bool all_ones(const uint8_t* d, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (d[i] != 0xff) return false;
    return n != 0;
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

}  // namespace

void report_drtm(const mb2::BootInfo& info, bool dump) {
    if (info.drtm.present)
        console::print("drtm: secure loader at 0x%lx (%u bytes measured) left an event log at 0x%lx (%u bytes, "
                       "%u banks)\n",
                       info.drtm.slb_base, info.drtm.slb_measured_length, info.drtm.event_log, info.drtm.event_log_used,
                       info.drtm.banks);
    else
        console::print("drtm: not started by Keel's secure loader (no DRTM tag in the boot information)\n");

    if (!tpm::Tis::present()) {
        console::print("tpm: no TPM at 0xfed40000; whether a dynamic launch happened cannot be checked\n");
        return;
    }
    tpm::Tis tis(0);
    size_t len = tpm::build_get_capability_pcrs(command, sizeof command), got;
    tpm::BankList banks;
    if (tis.request_locality() != Status::Ok ||
        tis.transmit(command, len, response, sizeof response, got) != Status::Ok ||
        tpm::parse_get_capability_pcrs(response, got, banks) != Status::Ok) {
        console::print("tpm: the TPM (id 0x%08x) did not answer at locality 0\n", tpm::Tis::vendor_device());
        return;
    }
    console::print("tpm: TPM 2.0 (id 0x%08x), %zu PCR banks\n", tpm::Tis::vendor_device(), banks.count);
    bool launched = false, read_any = false;
    for (size_t b = 0; b < banks.count; ++b) {
        const char* name = crypto::hash_name(crypto::HashAlg(banks.banks[b].alg));
        for (uint32_t pcr : DRTM_PCRS) {
            if (!(banks.banks[b].pcrs & (1u << pcr))) continue;
            uint8_t digest[tpm::MAX_DIGEST];
            size_t size = 0;
            if (read_pcr(tis, banks.banks[b].alg, pcr, digest, size) != Status::Ok) continue;
            read_any = true;
            if (name)
                console::print("tpm: PCR %u %s ", pcr, name);
            else
                console::print("tpm: PCR %u alg 0x%04x ", pcr, banks.banks[b].alg);
            print_digest(digest, size);
            console::print("\n");
            if (pcr == 17 && !all_ones(digest, size)) launched = true;
        }
    }
    tis.release_locality();
    if (!read_any)
        console::print("drtm: the DRTM PCRs could not be read\n");
    else if (launched)
        console::print("drtm: dynamic launch confirmed by the TPM (PCR 17 is not all ones)\n");
    else
        console::print("drtm: no DRTM took place: PCR 17 reads all ones; this boot is not measured\n");
    if (dump && info.drtm.present && info.drtm.event_log_used) dump_event_log(info.drtm);
}

}  // namespace keel
