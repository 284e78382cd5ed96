#include "attestation/verifierd/instance_id.hpp"

#include <openssl/rand.h>
#include <stdexcept>
#include <unistd.h>

#include "attestation/eventlog/hex.hpp"
#include "attestation/evidence/bytes.hpp"

namespace keel::verifierd {

std::string new_instance_id() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) name[0] = '\0';
    evidence::Bytes random(4);
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    return std::string(*name ? name : "verifier") + "-" + std::to_string(getpid()) + "-" + eventlog::to_hex(random);
}

}  // namespace keel::verifierd
