// keel-package-store STORE KEYS_DIR: writes a host store with host "node-1"
// enrolled (the RSASSA AK and RSA EK of tests/data/keys), so that the
// package tests can run an installed `keel verify --db STORE --host-id
// node-1 --agent URL`, which gets as far as asking the agent for evidence.
#include <fstream>
#include <iostream>
#include <iterator>

#include "attestation/eventlog/reference.hpp"
#include "attestation/evidence/public_key.hpp"
#include "attestation/verifier/host_store.hpp"
#include "attestation/verifier/policy.hpp"

namespace {

keel::verifier::Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One component, one bank: enough for the store to hold a valid document.
constexpr const char* reference_json =
    R"({"format": "keel-reference-values", "version": 1, "components": [{"index": 0, "name": "slb", "pcr": 17, )"
    R"("event_type": 1536, "detail": "secure loader core, measured by the CPU", "digests": {"sha256": )"
    R"("0000000000000000000000000000000000000000000000000000000000000000"}}], "pcrs": {}})";

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: keel-package-store STORE KEYS_DIR\n";
        return 2;
    }
    try {
        const std::string keys = argv[2];
        keel::eventlog::parse_reference_values(reference_json);  // throws if the document is not one
        keel::verifier::HostRecord host;
        host.host_id = "node-1";
        host.ek_public = read_file(keys + "/ek_rsa.pub");
        host.ak_public = read_file(keys + "/ak_rsassa.pub");
        host.ak_name = keel::evidence::parse_public(host.ak_public).name;
        host.reference_json = reference_json;
        host.policy_json = keel::verifier::write_policy(keel::verifier::Policy{});
        keel::verifier::HostStore store(argv[1], keel::verifier::StoreOpening::create_if_missing);
        store.enroll(host, false);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "keel-package-store: " << e.what() << "\n";
        return 1;
    }
}
