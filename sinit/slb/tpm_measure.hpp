// Extends the DRTM PCRs at locality 2 in every allocated bank Keel can hash,
// and logs each extend in the crypto-agile event log.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "../../hypervisor/kernel/multiboot2.hpp"
#include "lib/crypto/digest.hpp"
#include "lib/string.hpp"
#include "../../hypervisor/tpm/event_log_writer.hpp"
#include "../../hypervisor/tpm/tis.hpp"
#include "core_result.hpp"

namespace keel::slb {

class Measurer {
public:
    // Takes over locality 2 and the banks from the core, starts the log in
    // [log, log + cap).
    Status open(const CoreResult& core, uint8_t* log, size_t cap);
    void close();

    // Logs, without extending, what is already in PCR 17: the core (the CPU
    // extended it) and the loader (the core did).
    Status log_slb(const uint8_t* slb, size_t core_length, const CoreResult& core);
    // H(H(cmdline) || H(image)) per bank, into `pcr`, logged as a component.
    Status measure_component(uint32_t pcr, StringView name, StringView cmdline, const uint8_t* image, size_t size);
    // H(text) per bank into `pcr`, logged with `name` and `text` as detail.
    Status measure_text(uint32_t pcr, uint32_t type, StringView name, StringView text);

    // The memory-map event (launch_plan.hpp) for every entry of `info`'s
    // map, written straight into the log: a map can be larger than any
    // buffer the SLB could spare.
    Status measure_memory_map(const mb2::BootInfo& info);

    size_t bank_count() const { return count_; }
    size_t log_size() const { return log_.size(); }

private:
    tpm::DigestList digest_all(const void* data, size_t size) const;
    Status extend(uint32_t pcr, const tpm::DigestList& d);
    Status extend_and_log(uint32_t pcr, uint32_t type, const tpm::DigestList& d, StringView name, StringView detail,
                          bool extend);

    tpm::Tis tis_{2};
    tpm::EventLogWriter log_;
    uint16_t algs_[tpm::MAX_BANKS] = {};
    size_t sizes_[tpm::MAX_BANKS] = {};
    size_t count_ = 0;
};

}  // namespace keel::slb
