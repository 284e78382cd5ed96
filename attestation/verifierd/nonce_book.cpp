#include "attestation/verifierd/nonce_book.hpp"

#include <openssl/rand.h>
#include <stdexcept>

namespace keel::verifierd {

evidence::Bytes fresh_nonce() {
    evidence::Bytes nonce(NonceStore::nonce_bytes);
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    return nonce;
}

evidence::Bytes NonceBook::issue(const std::string& host_id) {
    const evidence::Bytes nonce = fresh_nonce();
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    forget_expired(now);
    // A host asking again and again must not grow the book.
    std::size_t outstanding = 0;
    auto oldest = issued_.end();
    for (auto it = issued_.begin(); it != issued_.end(); ++it)
        if (it->second.host_id == host_id) {
            ++outstanding;
            if (oldest == issued_.end() || it->second.at < oldest->second.at) oldest = it;
        }
    if (outstanding >= per_host_ && oldest != issued_.end()) issued_.erase(oldest);
    issued_[nonce] = {host_id, now};
    return nonce;
}

NonceBook::Redemption NonceBook::redeem(const std::string& host_id, const evidence::Bytes& nonce) {
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    auto it = issued_.find(nonce);
    if (it == issued_.end()) return Redemption::unknown;
    const Issued issued = it->second;
    issued_.erase(it);
    if (issued.host_id != host_id) return Redemption::other_host;
    if (now - issued.at > lifetime_) return Redemption::expired;
    return Redemption::accepted;
}

const char* NonceStore::describe(Redemption r) {
    switch (r) {
    case Redemption::accepted: return "accepted";
    case Redemption::unknown: return "the nonce was not issued by this verifier, or was used already";
    case Redemption::expired: return "the nonce expired";
    case Redemption::other_host: return "the nonce was issued to another host";
    }
    return "";
}

void NonceBook::forget_expired(Clock::time_point now) {
    for (auto it = issued_.begin(); it != issued_.end();)
        it = now - it->second.at > lifetime_ ? issued_.erase(it) : std::next(it);
}

}  // namespace keel::verifierd
