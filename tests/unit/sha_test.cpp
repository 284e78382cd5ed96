#include "lib/crypto/digest.hpp"
#include "lib/crypto/sha1.hpp"
#include "lib/crypto/sha256.hpp"
#include "lib/crypto/sha512.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

namespace {

using keel::crypto::HashAlg;
using keel::crypto::Hasher;

std::string hex(const uint8_t* p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 15];
    }
    return s;
}

// The FIPS 180-4 example messages (NIST CSRC "Examples with intermediate values").
const std::string MSG_448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const std::string MSG_896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
    "mnopqrstnopqrstu";

struct KnownAnswers {
    const char* empty;
    const char* abc;
    const char* msg448;
    const char* msg896;
    const char* million_a;
};

// Per concrete class: the OpenSSL reference, the algorithm id and the known answers.
template <class H> struct Traits;
template <> struct Traits<keel::crypto::Sha1> {
    static const EVP_MD* md() { return EVP_sha1(); }
    static constexpr HashAlg alg = HashAlg::Sha1;
    static constexpr KnownAnswers kat = {
        "da39a3ee5e6b4b0d3255bfef95601890afd80709", "a9993e364706816aba3e25717850c26c9cd0d89d",
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "a49b2446a02c645bf419f995b67091253a04a259",
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f"};
};
template <> struct Traits<keel::crypto::Sha256> {
    static const EVP_MD* md() { return EVP_sha256(); }
    static constexpr HashAlg alg = HashAlg::Sha256;
    static constexpr KnownAnswers kat = {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                                         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                                         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                                         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
                                         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"};
};
template <> struct Traits<keel::crypto::Sha384> {
    static const EVP_MD* md() { return EVP_sha384(); }
    static constexpr HashAlg alg = HashAlg::Sha384;
    static constexpr KnownAnswers kat = {
        "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
        "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
        "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985"};
};
template <> struct Traits<keel::crypto::Sha512> {
    static const EVP_MD* md() { return EVP_sha512(); }
    static constexpr HashAlg alg = HashAlg::Sha512;
    static constexpr KnownAnswers kat = {
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2"
        "b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1"
        "a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07"
        "f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7"
        "e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
        "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea6"
        "0a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"};
};

template <class H> std::string ours(const void* data, size_t size) {
    H h;
    h.update(data, size);
    uint8_t out[H::DIGEST_SIZE];
    h.finish(out);
    return hex(out, sizeof out);
}
template <class H> std::string ours(const std::string& s) { return ours<H>(s.data(), s.size()); }

std::string openssl(const EVP_MD* md, const void* data, size_t size) {
    uint8_t out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EXPECT_EQ(EVP_Digest(data, size, out, &len, md, nullptr), 1);
    return hex(out, len);
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = uint8_t(rng());
    return v;
}

template <class H> class Sha : public ::testing::Test {};
using Algorithms =
    ::testing::Types<keel::crypto::Sha1, keel::crypto::Sha256, keel::crypto::Sha384, keel::crypto::Sha512>;
class AlgorithmNames {
public:
    template <class H> static std::string GetName(int) { return keel::crypto::hash_name(Traits<H>::alg); }
};
TYPED_TEST_SUITE(Sha, Algorithms, AlgorithmNames);

TYPED_TEST(Sha, SizesMatchTheStandardAndOpenSsl) {
    using H = TypeParam;
    EXPECT_EQ(H::DIGEST_SIZE, size_t(EVP_MD_get_size(Traits<H>::md())));
    EXPECT_EQ(H::BLOCK_SIZE, size_t(EVP_MD_get_block_size(Traits<H>::md())));
    EXPECT_EQ(H::DIGEST_SIZE, keel::crypto::digest_size(Traits<H>::alg));
    EXPECT_LE(H::DIGEST_SIZE, keel::crypto::MAX_DIGEST);
    static_assert(std::is_trivially_copyable_v<H>);
}

TYPED_TEST(Sha, KnownAnswers) {
    using H = TypeParam;
    const KnownAnswers& kat = Traits<H>::kat;
    EXPECT_EQ(ours<H>(""), kat.empty);
    EXPECT_EQ(ours<H>(nullptr, 0), kat.empty);
    EXPECT_EQ(ours<H>("abc"), kat.abc);
    EXPECT_EQ(ours<H>(MSG_448), kat.msg448);
    EXPECT_EQ(ours<H>(MSG_896), kat.msg896);
    EXPECT_EQ(ours<H>(std::string(1000000, 'a')), kat.million_a);

    // The million 'a's again, as the 1000-byte pieces NIST's test describes.
    const std::string piece(1000, 'a');
    H h;
    for (int i = 0; i < 1000; ++i) h.update(piece.data(), piece.size());
    uint8_t out[H::DIGEST_SIZE];
    h.finish(out);
    EXPECT_EQ(hex(out, sizeof out), kat.million_a);
}

// Every padding case: the length field in the same block, in an extra block,
// and every multiple of the block size, for one- and two-call inputs.
TYPED_TEST(Sha, MatchesOpenSslForEveryLengthUpTo1000) {
    using H = TypeParam;
    std::mt19937 rng(1);
    const auto data = random_bytes(rng, 1000);
    for (size_t n = 0; n <= 1000; ++n) {
        const std::string expected = openssl(Traits<H>::md(), data.data(), n);
        ASSERT_EQ(ours<H>(data.data(), n), expected) << "length " << n;
        H h;
        h.update(data.data(), n / 3);
        h.update(data.data() + n / 3, n - n / 3);
        uint8_t out[H::DIGEST_SIZE];
        h.finish(out);
        ASSERT_EQ(hex(out, sizeof out), expected) << "length " << n << " in two calls";
    }
}

TYPED_TEST(Sha, MatchesOpenSslForRandomSplits) {
    using H = TypeParam;
    std::mt19937 rng(2);
    H h;  // reused: finish() starts a new message
    for (int trial = 0; trial < 300; ++trial) {
        const auto data = random_bytes(rng, rng() % 5000);
        // Mostly small pieces (inside a block, across a boundary), sometimes
        // several blocks at once, sometimes nothing.
        size_t at = 0;
        while (at < data.size()) {
            size_t piece = rng() % 4 == 0 ? rng() % 700 : rng() % (2 * H::BLOCK_SIZE + 1);
            if (piece > data.size() - at) piece = data.size() - at;
            h.update(data.data() + at, piece);
            at += piece;
        }
        uint8_t out[H::DIGEST_SIZE];
        h.finish(out);
        ASSERT_EQ(hex(out, sizeof out), openssl(Traits<H>::md(), data.data(), data.size()))
            << "trial " << trial << ", " << data.size() << " bytes";
    }
}

TYPED_TEST(Sha, InitAndCopiesStartOrForkAMessage) {
    using H = TypeParam;
    H h;
    h.update("garbage", 7);
    h.init();
    h.update("ab", 2);
    H fork = h;  // a copy carries on independently
    h.update("c", 1);
    fork.update("x", 1);
    uint8_t out[H::DIGEST_SIZE];
    h.finish(out);
    EXPECT_EQ(hex(out, sizeof out), Traits<H>::kat.abc);
    fork.finish(out);
    EXPECT_EQ(hex(out, sizeof out), openssl(Traits<H>::md(), "abx", 3));
    h.finish(out);  // nothing since the last finish()
    EXPECT_EQ(hex(out, sizeof out), Traits<H>::kat.empty);
}

// --- the algorithm-id interface ---------------------------------------------

struct AlgCase {
    HashAlg alg;
    uint16_t id;
    size_t size;
    const char* name;
    const EVP_MD* (*md)();
};
const AlgCase ALGS[] = {
    {HashAlg::Sha1, 0x0004, 20, "sha1", EVP_sha1},
    {HashAlg::Sha256, 0x000B, 32, "sha256", EVP_sha256},
    {HashAlg::Sha384, 0x000C, 48, "sha384", EVP_sha384},
    {HashAlg::Sha512, 0x000D, 64, "sha512", EVP_sha512},
};

TEST(Digest, DescribesEveryAlgorithm) {
    for (const auto& c : ALGS) {
        EXPECT_EQ(uint16_t(c.alg), c.id);
        EXPECT_TRUE(keel::crypto::is_supported(c.id));
        EXPECT_EQ(keel::crypto::digest_size(c.alg), c.size);
        ASSERT_NE(keel::crypto::hash_name(c.alg), nullptr);
        EXPECT_STREQ(keel::crypto::hash_name(c.alg), c.name);
        Hasher h(c.alg);
        EXPECT_EQ(h.alg(), c.alg);
        EXPECT_TRUE(h.valid());
    }
    EXPECT_EQ(keel::crypto::MAX_DIGEST, 64u);
    static_assert(std::is_trivially_copyable_v<Hasher>);
}

TEST(Digest, HasherAndHashMatchOpenSsl) {
    std::mt19937 rng(3);
    for (const auto& c : ALGS) {
        SCOPED_TRACE(c.name);
        for (int trial = 0; trial < 100; ++trial) {
            const auto data = random_bytes(rng, rng() % 3000);
            const std::string expected = openssl(c.md(), data.data(), data.size());

            uint8_t out[keel::crypto::MAX_DIGEST + 1];
            out[c.size] = 0xa5;  // finish() writes digest_size bytes, no more
            keel::crypto::hash(c.alg, data.data(), data.size(), out);
            ASSERT_EQ(hex(out, c.size), expected);
            ASSERT_EQ(out[c.size], 0xa5);

            Hasher h(c.alg);
            for (size_t at = 0; at < data.size();) {
                size_t piece = std::min<size_t>(rng() % 300, data.size() - at);
                h.update(data.data() + at, piece);
                at += piece;
            }
            Hasher copy = h;
            h.finish(out);
            ASSERT_EQ(hex(out, c.size), expected);
            ASSERT_EQ(out[c.size], 0xa5);
            copy.finish(out);
            ASSERT_EQ(hex(out, c.size), expected);
        }
    }
}

TEST(Digest, RejectsUnknownAlgorithms) {
    // TPM_ALG_ERROR, TPM_ALG_RSA, SM3_256, SHA3_256, and one past SHA-512.
    for (uint16_t id : {0x0000, 0x0001, 0x0012, 0x0027, 0x000E, 0xffff}) {
        SCOPED_TRACE(id);
        const auto alg = static_cast<HashAlg>(id);
        EXPECT_FALSE(keel::crypto::is_supported(id));
        EXPECT_EQ(keel::crypto::digest_size(alg), 0u);
        EXPECT_EQ(keel::crypto::hash_name(alg), nullptr);

        Hasher h(alg);
        EXPECT_EQ(h.alg(), alg);
        EXPECT_FALSE(h.valid());
        h.update("abc", 3);
        uint8_t out[keel::crypto::MAX_DIGEST];
        for (auto& b : out) b = 0x5a;
        h.finish(out);
        keel::crypto::hash(alg, "abc", 3, out);
        for (auto b : out) ASSERT_EQ(b, 0x5a);
    }
}

}  // namespace
