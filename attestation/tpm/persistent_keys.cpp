#include "attestation/tpm/persistent_keys.hpp"

#include <cstdio>
#include <stdexcept>

#include "attestation/tpm/capabilities.hpp"
#include "attestation/tpm/key_templates.hpp"

namespace keel::tpm {

std::string handle_hex(TPM2_HANDLE handle) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", handle);
    return text;
}

std::optional<EsysHandle> load_persistent(ESYS_CONTEXT* context, TPM2_HANDLE handle, const TPMT_PUBLIC& wanted,
                                          const std::string& what) {
    if (!handle_exists(context, handle)) return std::nullopt;
    ESYS_TR raw = ESYS_TR_NONE;
    check(Esys_TR_FromTPMPublic(context, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &raw),
          "Esys_TR_FromTPMPublic");
    EsysHandle key(context, raw, EsysHandle::Release::close);
    EsysPtr<TPM2B_PUBLIC> found;
    check(Esys_ReadPublic(context, key.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, out(found), nullptr, nullptr),
          "Esys_ReadPublic");
    if (auto difference = template_mismatch(found->publicArea, wanted))
        throw std::runtime_error("TPM persistent handle " + handle_hex(handle) + " holds a key that is not the " +
                                 what + " Keel would create (its " + *difference +
                                 " differ); Keel does not use or replace it. If nothing else needs it, remove it "
                                 "with `tpm2_evictcontrol -C o -c " +
                                 handle_hex(handle) + "`");
    return key;
}

EsysHandle make_persistent(ESYS_CONTEXT* context, EsysHandle transient, TPM2_HANDLE handle) {
    ESYS_TR raw = ESYS_TR_NONE;
    check(Esys_EvictControl(context, ESYS_TR_RH_OWNER, transient.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                            handle, &raw),
          "Esys_EvictControl");
    return EsysHandle(context, raw, EsysHandle::Release::close);
}

}  // namespace keel::tpm
