#include "nested_space.hpp"

#include "../../../tpm/tpm_mmio.hpp"

namespace keel::x86::svm {

Status NestedSpace::map(uint64_t gpa, uint64_t hpa, uint64_t size, uint8_t access) {
    if (!(access & virt::READ)) return Status::BadArgument;  // NPT cannot express write- or execute-only
    // TPM localities 1-4 extend the DRTM PCRs: they stay the hypervisor's.
    if (tpm::touches_privileged_localities(hpa, size)) return Status::BadArgument;
    uint64_t flags = pte::USER | ((access & virt::WRITE) ? pte::WRITE : 0) | ((access & virt::EXECUTE) ? 0 : pte::NX);
    return table_.map(gpa, hpa, size, flags, SIZE_4K);
}

Status NestedSpace::translate(uint64_t gpa, uint64_t& hpa) const {
    uint64_t flags;
    return table_.lookup(gpa, hpa, flags);
}

}  // namespace keel::x86::svm
