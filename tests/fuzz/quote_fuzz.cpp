// libFuzzer target: the evidence parsers a verifier runs on what an agent
// sends. The first byte picks the parser, the rest is its input; each must
// return a result consistent with the input or throw ParseError, never crash,
// read outside or throw anything else.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "attestation/evidence/tpm2_tools_files.hpp"
#include "attestation/evidence/tpm_types.hpp"

using namespace keel::evidence;

namespace {

void check_selection(const std::vector<PcrSelection>& selection) {
    if (selection.size() > 16) abort();
    for (const auto& bank : selection)
        for (std::uint32_t pcr : bank.pcrs)
            if (pcr >= 32) abort();
    // A parsed selection marshals and parses back to itself.
    if (parse_pcr_selection(marshal_pcr_selection(selection)) != selection) abort();
}

void run(std::uint8_t which, const std::vector<std::uint8_t>& bytes) {
    switch (which % 5) {
    case 0: {
        const Attest a = parse_attest(bytes);
        if (a.extra_data.size() > bytes.size() || a.pcr_digest.size() > bytes.size()) abort();
        if (a.type != st_attest_quote && (!a.pcr_select.empty() || !a.pcr_digest.empty())) abort();
        check_selection(a.pcr_select);
        break;
    }
    case 1: {
        const Signature s = parse_signature(bytes);
        if (s.rsa_signature.size() + s.ecdsa_r.size() + s.ecdsa_s.size() > bytes.size()) abort();
        if (s.sig_alg != 0x0014 && s.sig_alg != 0x0016 && s.sig_alg != 0x0018) abort();
        break;
    }
    case 2: check_selection(parse_pcr_selection(bytes)); break;
    case 3: {
        const auto digests = parse_digest_list(bytes);
        if (digests.size() > 8 || parse_digest_list(marshal_digest_list(digests)) != digests) abort();
        break;
    }
    case 4: {
        const Tpm2ToolsPcrs pcrs = parse_tpm2_tools_pcrs(bytes);
        check_selection(pcrs.selection);
        std::size_t selected = 0, values = 0;
        for (const auto& bank : pcrs.selection) selected += bank.pcrs.size();
        for (const auto& [bank, pcr_values] : pcrs.values) values += pcr_values.size();
        if (values != selected) abort();
        break;
    }
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // libtss2-mu logs each malformed input to stderr, which would drown the
    // fuzzer's own output.
    setenv("TSS2_LOG", "all+NONE", 0);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    // A private copy: ASan then catches any read past the end.
    const std::vector<uint8_t> bytes(data + 1, data + size);
    try {
        run(data[0], bytes);
    } catch (const ParseError&) {}
    return 0;
}
