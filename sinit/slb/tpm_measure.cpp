#include "tpm_measure.hpp"

#include "../common/launch_plan.hpp"
#include "slb_console.hpp"

namespace keel::slb {
namespace {

uint8_t command[tpm::MAX_MESSAGE];
uint8_t response[tpm::MAX_MESSAGE];
uint8_t event_data[launch::MAX_EVENT_DATA];

}  // namespace

Status Measurer::open(uint8_t* log, size_t cap) {
    if (!tpm::Tis::present()) return Status::NotFound;
    if (Status s = tis_.request_locality(); s != Status::Ok) {
        print("keel-slb: the TPM did not grant locality 2\n");
        return s;
    }
    size_t len = tpm::build_get_capability_pcrs(command, sizeof command), got;
    if (Status s = tis_.transmit(command, len, response, sizeof response, got); s != Status::Ok) {
        print("keel-slb: TPM2_GetCapability was not answered\n");
        return s;
    }
    tpm::BankList banks;
    if (Status s = tpm::parse_get_capability_pcrs(response, got, banks); s != Status::Ok) {
        uint32_t rc = 0;
        (void)tpm::response_code(response, got, rc);
        print("keel-slb: TPM2_GetCapability(PCRS) answered %zu bytes, response code 0x%x\n", got, rc);
        return s;
    }
    for (size_t i = 0; i < banks.count; ++i) {
        auto alg = crypto::HashAlg(banks.banks[i].alg);
        bool allocated = banks.banks[i].pcrs & (1u << launch::PCR_DRTM);
        if (!allocated) continue;
        if (!crypto::is_supported(banks.banks[i].alg)) {
            // Its PCRs would hold the same value whatever was launched.
            print("keel-slb: PCR bank 0x%04x is allocated but Keel cannot hash it\n", banks.banks[i].alg);
            return Status::Unsupported;
        }
        algs_[count_] = banks.banks[i].alg;
        sizes_[count_] = crypto::digest_size(alg);
        print("keel-slb: PCR bank %s\n", crypto::hash_name(alg));
        ++count_;
    }
    if (count_ == 0) return Status::Unsupported;
    return log_.init(log, cap, algs_, sizes_, count_);
}

void Measurer::close() { tis_.release_locality(); }

Status Measurer::extend_and_log(uint32_t pcr, uint32_t type, const tpm::DigestList& d, StringView name,
                                StringView detail, bool extend) {
    if (extend) {
        size_t len = tpm::build_pcr_extend(command, sizeof command, pcr, d, sizes_), got;
        if (len == 0) return Status::OutOfMemory;
        if (Status s = tis_.transmit(command, len, response, sizeof response, got); s != Status::Ok) return s;
        uint32_t rc;
        if (Status s = tpm::response_code(response, got, rc); s != Status::Ok) return s;
        if (rc != tpm::RC_SUCCESS) {
            print("keel-slb: TPM2_PCR_Extend(%u) answered 0x%x\n", pcr, rc);
            return Status::Unsupported;
        }
    }
    size_t data_len = launch::write_event_data(name, detail, event_data, sizeof event_data);
    if (data_len == 0) return Status::OutOfMemory;
    return log_.append(pcr, type, d, event_data, data_len);
}

Status Measurer::log_slb(const uint8_t* slb, size_t measured_length) {
    tpm::DigestList d{};
    d.count = count_;
    for (size_t i = 0; i < count_; ++i) {
        d.digests[i].alg = algs_[i];
        crypto::hash(crypto::HashAlg(algs_[i]), slb, measured_length, d.digests[i].bytes);
    }
    return extend_and_log(launch::PCR_DRTM, launch::KEEL_EV_SKINIT, d, launch::SLB_NAME, launch::SLB_DETAIL, false);
}

Status Measurer::measure_component(uint32_t pcr, StringView name, StringView cmdline, const uint8_t* image,
                                   size_t size) {
    tpm::DigestList d{};
    d.count = count_;
    for (size_t i = 0; i < count_; ++i) {
        auto alg = crypto::HashAlg(algs_[i]);
        uint8_t both[2 * crypto::MAX_DIGEST];
        crypto::hash(alg, cmdline.data, cmdline.size, both);
        crypto::hash(alg, image, size, both + sizes_[i]);
        d.digests[i].alg = algs_[i];
        crypto::hash(alg, both, 2 * sizes_[i], d.digests[i].bytes);
    }
    return extend_and_log(pcr, launch::KEEL_EV_COMPONENT, d, name, cmdline, true);
}

Status Measurer::measure_text(uint32_t pcr, uint32_t type, StringView name, StringView text) {
    tpm::DigestList d{};
    d.count = count_;
    for (size_t i = 0; i < count_; ++i) {
        d.digests[i].alg = algs_[i];
        crypto::hash(crypto::HashAlg(algs_[i]), text.data, text.size, d.digests[i].bytes);
    }
    return extend_and_log(pcr, type, d, name, text, true);
}

}  // namespace keel::slb
