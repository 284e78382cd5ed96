#include "tpm_measure.hpp"

#include "../common/launch_plan.hpp"
#include "hypervisor/tpm/pcr_access.hpp"
#include "slb_console.hpp"

namespace keel::slb {
namespace {

uint8_t event_data[launch::MAX_EVENT_DATA];

}  // namespace

Status Measurer::open(const CoreResult& core, uint8_t* log, size_t cap) {
    if (Status s = tis_.request_locality(); s != Status::Ok) return s;  // the core holds it already
    count_ = core.count;
    for (size_t i = 0; i < count_; ++i) {
        algs_[i] = core.algs[i];
        sizes_[i] = core.sizes[i];
        print("keel-slb: PCR bank %s\n", crypto::hash_name(crypto::HashAlg(algs_[i])));
    }
    return log_.init(log, cap, algs_, sizes_, count_);
}

void Measurer::close() { tis_.release_locality(); }

tpm::DigestList Measurer::digest_all(const void* data, size_t size) const {
    tpm::DigestList d{};
    d.count = count_;
    for (size_t i = 0; i < count_; ++i) {
        d.digests[i].alg = algs_[i];
        crypto::hash(crypto::HashAlg(algs_[i]), data, size, d.digests[i].bytes);
    }
    return d;
}

Status Measurer::extend(uint32_t pcr, const tpm::DigestList& d) {
    uint32_t rc;
    Status s = tpm::extend_pcr(tis_, pcr, d, sizes_, rc);
    if (rc != tpm::RC_SUCCESS) print("keel-slb: TPM2_PCR_Extend(%u) answered 0x%x\n", pcr, rc);
    return s;
}

Status Measurer::extend_and_log(uint32_t pcr, uint32_t type, const tpm::DigestList& d, StringView name,
                                StringView detail, bool extend) {
    if (extend)
        if (Status s = this->extend(pcr, d); s != Status::Ok) return s;
    size_t data_len = launch::write_event_data(name, detail, event_data, sizeof event_data);
    if (data_len == 0) return Status::OutOfMemory;
    return log_.append(pcr, type, d, event_data, data_len);
}

Status Measurer::log_slb(const uint8_t* slb, size_t core_length, const CoreResult& core) {
    tpm::DigestList d = digest_all(slb, core_length);
    if (Status s =
            extend_and_log(launch::PCR_DRTM, launch::KEEL_EV_SKINIT, d, launch::SLB_NAME, launch::SLB_DETAIL, false);
        s != Status::Ok)
        return s;
    return extend_and_log(launch::PCR_DRTM, launch::KEEL_EV_COMPONENT, core.loader, launch::SLB_LOADER_NAME,
                          launch::SLB_LOADER_DETAIL, false);
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
    tpm::DigestList d = digest_all(text.data, text.size);
    return extend_and_log(pcr, type, d, name, text, true);
}

Status Measurer::measure_memory_map(const mb2::BootInfo& info) {
    size_t room;
    uint8_t* slot = log_.data_slot(room);
    size_t len = slot ? launch::write_event_data(launch::MEMORY_MAP_NAME, "", slot, room) : 0;  // name, NUL
    if (len == 0) return Status::OutOfMemory;
    auto* data = reinterpret_cast<char*>(slot);
    for (size_t i = 0; i < mb2::memory_map_entries(info); ++i) {
        mb2::MemoryRegion r = mb2::memory_map_entry(info, i);
        if (!launch::write_memory_map_line(r.base, r.length, r.type, data, room, len)) return Status::OutOfMemory;
    }
    tpm::DigestList d = digest_all(data + sizeof launch::MEMORY_MAP_NAME, len - sizeof launch::MEMORY_MAP_NAME);
    if (Status s = extend(launch::PCR_MANIFEST, d); s != Status::Ok) return s;
    return log_.append_in_place(launch::PCR_MANIFEST, launch::KEEL_EV_MEMORY_MAP, d, len);
}

}  // namespace keel::slb
