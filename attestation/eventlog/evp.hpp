// RAII for the OpenSSL 3 handles the replay uses: a fetched EVP_MD and a
// reusable EVP_MD_CTX per bank, freed however the replay ends.
#pragma once

#include <memory>
#include <openssl/evp.h>

namespace keel::eventlog::evp {

struct MdDeleter {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

using Md = std::unique_ptr<EVP_MD, MdDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

}  // namespace keel::eventlog::evp
