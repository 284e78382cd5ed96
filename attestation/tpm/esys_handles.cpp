#include "attestation/tpm/esys_handles.hpp"

#include <utility>

#include "attestation/tpm/attester.hpp"

namespace keel::tpm {

void check(TSS2_RC rc, const char* call) {
    if (rc != TSS2_RC_SUCCESS) throw TpmError(call, rc);
}

Tcti::Tcti(const std::string& configuration) {
    // Named with the configuration: the usual failure is a wrong or absent TPM device.
    const std::string call = "Tss2_TctiLdr_Initialize(\"" + configuration + "\")";
    check(Tss2_TctiLdr_Initialize(configuration.c_str(), &context_), call.c_str());
}

Tcti::~Tcti() { Tss2_TctiLdr_Finalize(&context_); }

EsysContext::EsysContext(TSS2_TCTI_CONTEXT* tcti) {
    check(Esys_Initialize(&context_, tcti, nullptr), "Esys_Initialize");
}

EsysContext::~EsysContext() { Esys_Finalize(&context_); }

EsysHandle::EsysHandle(EsysHandle&& other) noexcept
    : context_(other.context_), handle_(std::exchange(other.handle_, ESYS_TR_NONE)), release_(other.release_) {}

EsysHandle& EsysHandle::operator=(EsysHandle&& other) noexcept {
    if (this != &other) {
        reset();
        context_ = other.context_;
        handle_ = std::exchange(other.handle_, ESYS_TR_NONE);
        release_ = other.release_;
    }
    return *this;
}

void EsysHandle::reset() {
    if (handle_ == ESYS_TR_NONE) return;
    // Nothing to do about a failure here: the TPM is probably gone, and
    // Esys_Finalize releases ESAPI's record of the handle anyway.
    if (release_ == Release::flush)
        (void)Esys_FlushContext(context_, handle_);
    else
        (void)Esys_TR_Close(context_, &handle_);
    handle_ = ESYS_TR_NONE;
}

}  // namespace keel::tpm
