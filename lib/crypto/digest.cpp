#include "digest.hpp"

namespace keel::crypto {

static_assert(Sha1::DIGEST_SIZE <= MAX_DIGEST && Sha256::DIGEST_SIZE <= MAX_DIGEST &&
              Sha384::DIGEST_SIZE <= MAX_DIGEST && Sha512::DIGEST_SIZE <= MAX_DIGEST);

size_t digest_size(HashAlg alg) {
    switch (alg) {
    case HashAlg::Sha1: return Sha1::DIGEST_SIZE;
    case HashAlg::Sha256: return Sha256::DIGEST_SIZE;
    case HashAlg::Sha384: return Sha384::DIGEST_SIZE;
    case HashAlg::Sha512: return Sha512::DIGEST_SIZE;
    }
    return 0;
}

// An offset into one string rather than a switch over string literals, which
// compilers like to turn into a table of pointers: the secure loader is
// position independent and has no relocations.
const char* hash_name(HashAlg alg) {
    static constexpr char NAMES[] = "sha1\0sha256\0sha384\0sha512";
    size_t at;
    switch (alg) {
    case HashAlg::Sha1: at = 0; break;
    case HashAlg::Sha256: at = 5; break;
    case HashAlg::Sha384: at = 12; break;
    case HashAlg::Sha512: at = 19; break;
    default: return nullptr;
    }
    return NAMES + at;
}

bool is_supported(uint16_t tpm_alg_id) { return digest_size(static_cast<HashAlg>(tpm_alg_id)) != 0; }

// Each branch builds its member in place (guaranteed copy elision), so the
// chosen context starts its lifetime properly without placement new.
Hasher::Context Hasher::start(HashAlg alg) {
    switch (alg) {
    case HashAlg::Sha1: return Use<Sha1>();
    case HashAlg::Sha256: return Use<Sha256>();
    case HashAlg::Sha384: return Use<Sha384>();
    case HashAlg::Sha512: return Use<Sha512>();
    }
    return Context();
}

Hasher::Hasher(HashAlg alg) : alg_(alg), ctx_(start(alg)) {}

void Hasher::update(const void* data, size_t size) {
    switch (alg_) {
    case HashAlg::Sha1: ctx_.sha1.update(data, size); break;
    case HashAlg::Sha256: ctx_.sha256.update(data, size); break;
    case HashAlg::Sha384: ctx_.sha384.update(data, size); break;
    case HashAlg::Sha512: ctx_.sha512.update(data, size); break;
    }
}

void Hasher::finish(uint8_t* out) {
    switch (alg_) {
    case HashAlg::Sha1: ctx_.sha1.finish(out); break;
    case HashAlg::Sha256: ctx_.sha256.finish(out); break;
    case HashAlg::Sha384: ctx_.sha384.finish(out); break;
    case HashAlg::Sha512: ctx_.sha512.finish(out); break;
    }
}

void hash(HashAlg alg, const void* data, size_t size, uint8_t* out) {
    Hasher h(alg);
    h.update(data, size);
    h.finish(out);
}

}  // namespace keel::crypto
