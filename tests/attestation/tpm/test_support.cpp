#include "test_support.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "child_process.hpp"
#include "tests/attestation/keys/public_key_pem.hpp"

namespace keel::test {
namespace {

using Bignum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

TPM2B_PUBLIC unmarshal_public(std::span<const std::uint8_t> bytes) {
    TPM2B_PUBLIC key{};
    std::size_t offset = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(bytes.data(), bytes.size(), &offset, &key) != 0 || offset != bytes.size())
        throw std::runtime_error("not a TPM2B_PUBLIC");
    return key;
}

}  // namespace

tpm::AttesterOptions attester_options(const Swtpm& swtpm, tpm::EkType ek, tpm::AkScheme ak, bool persist) {
    return {.tcti = swtpm.tcti(), .ek = ek, .ak = ak, .persist = persist};
}

ToolRun run_tool(const std::vector<std::string>& argv, const std::filesystem::path& dir) {
    const auto log = dir / "tool.out";
    platform::ChildProcess process({.argv = argv, .stdout_path = log, .stderr_path = log});
    ToolRun run;
    std::optional<int> status = process.wait_for(std::chrono::seconds(30));
    run.status = status ? *status : process.stop();
    Bytes output = read_file(log);
    run.output.assign(output.begin(), output.end());
    return run;
}

void write_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

Bytes read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string text;
    for (std::uint8_t b : bytes) {
        text += digits[b >> 4];
        text += digits[b & 15];
    }
    return text;
}

Bytes concat(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    Bytes joined(a.begin(), a.end());
    joined.insert(joined.end(), b.begin(), b.end());
    return joined;
}

Bytes digest(const char* algorithm, std::span<const std::uint8_t> data) {
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned size = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_get_digestbyname(algorithm), nullptr) != 1)
        throw std::runtime_error(std::string("EVP_Digest ") + algorithm + " failed");
    out.resize(size);
    return out;
}

std::string public_key_pem(std::span<const std::uint8_t> tpm2b_public) {
    const TPMT_PUBLIC key = unmarshal_public(tpm2b_public).publicArea;
    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
    Bignum n(nullptr, BN_free), e(nullptr, BN_free);
    Bytes point;
    const char* type = nullptr;
    if (key.type == TPM2_ALG_RSA) {
        type = "RSA";
        n.reset(BN_bin2bn(key.unique.rsa.buffer, key.unique.rsa.size, nullptr));
        e.reset(BN_new());
        BN_set_word(e.get(), key.parameters.rsaDetail.exponent ? key.parameters.rsaDetail.exponent : 65537);
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
    } else if (key.type == TPM2_ALG_ECC && key.parameters.eccDetail.curveID == TPM2_ECC_NIST_P256) {
        type = "EC";
        point = {0x04};  // uncompressed
        point.insert(point.end(), key.unique.ecc.x.buffer, key.unique.ecc.x.buffer + key.unique.ecc.x.size);
        point.insert(point.end(), key.unique.ecc.y.buffer, key.unique.ecc.y.buffer + key.unique.ecc.y.size);
        OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    } else {
        throw std::runtime_error("public_key_pem: neither RSA nor NIST P-256");
    }
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(build.get()),
                                                                   OSSL_PARAM_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
        EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY* raw = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        throw std::runtime_error("public_key_pem: OpenSSL does not take the key");
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(raw, EVP_PKEY_free);
    return public_key_pem(pkey.get());
}

}  // namespace keel::test
