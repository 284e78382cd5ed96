// Hashing chosen at run time by TPM algorithm id (TPM 2.0 Part 2, TPM_ALG_ID),
// as TPM event logs and PCR banks name them. No virtual calls, function
// pointers or heap: Hasher holds whichever concrete context it needs.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "sha1.hpp"
#include "sha256.hpp"
#include "sha512.hpp"

namespace keel::crypto {

enum class HashAlg : uint16_t { Sha1 = 0x0004, Sha256 = 0x000B, Sha384 = 0x000C, Sha512 = 0x000D };

// The largest digest_size() of any supported algorithm.
constexpr size_t MAX_DIGEST = 64;

// Digest length in bytes; 0 for a value that is not a supported algorithm.
size_t digest_size(HashAlg alg);
// "sha1", "sha256", "sha384", "sha512"; nullptr for an unsupported value.
const char* hash_name(HashAlg alg);
bool is_supported(uint16_t tpm_alg_id);

class Hasher {
public:
    // An unsupported alg gives a Hasher that ignores update() and writes
    // nothing in finish(); check valid() or is_supported() first.
    explicit Hasher(HashAlg alg);

    HashAlg alg() const { return alg_; }
    bool valid() const { return digest_size(alg_) != 0; }

    // Any number of calls with any lengths, including 0.
    void update(const void* data, size_t size);
    // Writes digest_size(alg()) bytes and resets for a new message.
    void finish(uint8_t* out);

private:
    template <class H> struct Use {};
    // Constructors rather than aggregate initialization, which some
    // compilers complete by zero-filling the whole union with memset.
    union Context {
        Context() {}  // an unsupported algorithm: no member in use
        Context(Use<Sha1>) : sha1() {}
        Context(Use<Sha256>) : sha256() {}
        Context(Use<Sha384>) : sha384() {}
        Context(Use<Sha512>) : sha512() {}

        Sha1 sha1;
        Sha256 sha256;
        Sha384 sha384;
        Sha512 sha512;
    };
    static Context start(HashAlg alg);

    HashAlg alg_;
    Context ctx_;
};

// One-shot: writes digest_size(alg) bytes to out (nothing for an unsupported alg).
void hash(HashAlg alg, const void* data, size_t size, uint8_t* out);

}  // namespace keel::crypto
