#include "attestation/tpm/sessions.hpp"

namespace keel::tpm {

EsysHandle endorsement_policy_session(ESYS_CONTEXT* context) {
    TPMT_SYM_DEF no_encryption{};
    no_encryption.algorithm = TPM2_ALG_NULL;
    ESYS_TR raw = ESYS_TR_NONE;
    check(Esys_StartAuthSession(context, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, nullptr,
                                TPM2_SE_POLICY, &no_encryption, TPM2_ALG_SHA256, &raw),
          "Esys_StartAuthSession");
    EsysHandle session(context, raw, EsysHandle::Release::flush);
    // Kept alive after use, so that flushing it is always ours to do and
    // ESAPI's record and the TPM agree whether it exists.
    check(Esys_TRSess_SetAttributes(context, session.get(), TPMA_SESSION_CONTINUESESSION, TPMA_SESSION_CONTINUESESSION),
          "Esys_TRSess_SetAttributes");
    check(Esys_PolicySecret(context, ESYS_TR_RH_ENDORSEMENT, session.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE,
                            ESYS_TR_NONE, nullptr, nullptr, nullptr, 0, nullptr, nullptr),
          "Esys_PolicySecret");
    return session;
}

}  // namespace keel::tpm
