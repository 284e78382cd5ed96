// The keys keel-verifierd takes signed reference documents from
// ([references] trusted_publishers: PEM or JWK public keys, EC P-256), by
// their RFC 7638 thumbprints. A document is checked with the one key its
// "kid" names (refdoc/reference_document.hpp); a kid that names none of them
// is not signed by a trusted publisher, and nothing else about the document
// is looked at.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "attestation/ear/es256.hpp"
#include "attestation/refdoc/reference_document.hpp"

namespace keel::verifierd {

class TrustedPublishers {
public:
    // Reads every file; throws ConfigError naming one that cannot be read or
    // is not an EC P-256 public key.
    explicit TrustedPublishers(const std::vector<std::string>& key_files);

    bool empty() const { return keys_.empty(); }
    // The thumbprints, sorted.
    std::vector<std::string> key_ids() const;
    // Throws ear::MalformedToken or ear::TokenRefused (with "not signed by a
    // trusted publisher" when its kid names no trusted key).
    refdoc::ReferenceDocument verify(std::string_view document) const;

private:
    std::map<std::string, ear::Pkey> keys_;  // by thumbprint
};

}  // namespace keel::verifierd
