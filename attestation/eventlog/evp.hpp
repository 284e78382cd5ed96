// RAII for the OpenSSL 3 handles the replay uses: a fetched EVP_MD and a
// reusable EVP_MD_CTX per bank, freed however the replay ends; and the
// per-process cache of fetched hashes the replay and the quote checks share.
#pragma once

#include <memory>
#include <openssl/evp.h>

#include "attestation/eventlog/algorithm.hpp"

namespace keel::eventlog::evp {

struct MdDeleter {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

using Md = std::unique_ptr<EVP_MD, MdDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// The hash of a TPM algorithm id, fetched once per process (a fetch takes a
// lock and a lookup in OpenSSL's method store, which would cost every replay
// and every quote check); nullptr when OpenSSL has none. Never freed.
const EVP_MD* fetched_md(AlgorithmId id);

}  // namespace keel::eventlog::evp
