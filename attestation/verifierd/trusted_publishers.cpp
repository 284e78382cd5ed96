#include "attestation/verifierd/trusted_publishers.hpp"

#include <fstream>

#include "attestation/ear/jwk.hpp"
#include "attestation/ear/jws_header.hpp"
#include "attestation/verifierd/config.hpp"

namespace keel::verifierd {
namespace {

constexpr std::size_t max_key_file_bytes = 64u << 10;

}  // namespace

TrustedPublishers::TrustedPublishers(const std::vector<std::string>& key_files) {
    for (const auto& file : key_files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) throw ConfigError("references.trusted_publishers " + file + ": cannot be read");
        std::string text(max_key_file_bytes + 1, '\0');
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(in.gcount()));
        try {
            auto key = ear::load_verification_key(text);
            keys_.emplace(ear::jwk_thumbprint(key.get()), std::move(key));
        } catch (const ear::KeyError& e) {
            throw ConfigError("references.trusted_publishers " + file + ": " + e.what() +
                              " (a publisher's EC P-256 public key, PEM or JWK)");
        }
    }
}

std::vector<std::string> TrustedPublishers::key_ids() const {
    std::vector<std::string> out;
    for (const auto& [kid, key] : keys_) out.push_back(kid);
    return out;
}

refdoc::ReferenceDocument TrustedPublishers::verify(std::string_view document) const {
    const auto kid = refdoc::document_key_id(document);
    const auto key = keys_.find(kid);
    if (key == keys_.end())
        throw ear::TokenRefused("reference document: not signed by a trusted publisher (its key " +
                                ear::quoted_json(nlohmann::json(kid)) + " is none of [references] trusted_publishers)");
    return refdoc::verify_reference_document(document, key->second.get());
}

}  // namespace keel::verifierd
