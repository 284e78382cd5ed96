#include "tools/keel/verify_usage.hpp"

#include <vector>

#include "tools/keel/file_io.hpp"

namespace keel::cli {
namespace {

using Labels = std::set<std::string>;

// The options each way in reads; --json applies to all.
const Labels enrolled_options = {"--db", "--host-id", "--agent", "--evidence", "-q/--nonce", "--json"};
const Labels evidence_file_options = {"--evidence",  "-q/--nonce", "-u/--ak-public",
                                      "--reference", "--policy",   "--json"};
const Labels checkquote_options = {"-m", "-s", "-u/--ak-public", "-f",          "-l",       "-F",
                                   "-g", "-e", "-q/--nonce",     "--reference", "--policy", "--json"};

std::string listed(const std::vector<std::string>& labels) {
    std::string out;
    for (std::size_t i = 0; i < labels.size(); ++i)
        out += (i == 0 ? "" : i + 1 == labels.size() ? " and " : ", ") + labels[i];
    return out;
}

// Every given option outside `allowed`, named in one sentence with `why`.
void refuse_others(const Labels& given, const Labels& allowed, const std::string& why) {
    std::vector<std::string> others;
    for (const auto& label : given)
        if (!allowed.count(label)) others.push_back(label);
    if (others.empty()) return;
    throw InputError(listed(others) + (others.size() == 1 ? " does" : " do") + " not apply " + why);
}

VerifyMode enrolled(const Labels& given) {
    refuse_others(given, enrolled_options,
                  "to an enrolled host (--db, --host-id): it is verified with the AK, reference values and policy "
                  "it was enrolled with");
    if (!given.count("--db")) throw InputError("--host-id needs --db (the host store it was enrolled in)");
    if (!given.count("--host-id")) throw InputError("--db needs --host-id (the enrolled host to verify)");
    const bool agent = given.count("--agent"), evidence = given.count("--evidence");
    if (agent && evidence)
        throw InputError("--agent and --evidence conflict: ask the agent for fresh evidence, or verify a file");
    if (!agent && !evidence) throw InputError("--db needs one of --agent or --evidence");
    if (agent && given.count("-q/--nonce"))
        throw InputError("-q/--nonce does not apply with --agent: keel verify makes a fresh nonce for each request");
    if (evidence && !given.count("-q/--nonce"))
        throw InputError("--evidence needs --nonce: the nonce the evidence was requested with");
    return VerifyMode::enrolled;
}

VerifyMode checkquote(const Labels& given) {
    refuse_others(given, checkquote_options, "to tpm2_quote's files (-m)");
    if (!given.count("-u/--ak-public") || !given.count("-s"))
        throw InputError("-m needs -u (the AK public key) and -s (the signature), as tpm2_checkquote does");
    for (const char* format : {"-l", "-F"})
        if (given.count(format) && !given.count("-f"))
            throw InputError(std::string(format) + " does not apply without -f: it says how to read the PCR file");
    return VerifyMode::checkquote;
}

VerifyMode evidence_file(const Labels& given) {
    refuse_others(given, evidence_file_options, "to an evidence file (--evidence)");
    if (!given.count("-q/--nonce"))
        throw InputError("--evidence needs --nonce: the nonce the evidence was requested with");
    if (!given.count("-u/--ak-public")) throw InputError("--evidence without --db needs --ak-public");
    if (!given.count("--reference")) throw InputError("--evidence without --db needs --reference (from keel measure)");
    return VerifyMode::evidence_file;
}

}  // namespace

VerifyMode verify_mode(const Labels& given) {
    if (given.count("--db") || given.count("--host-id")) return enrolled(given);
    if (given.count("-m")) return checkquote(given);
    if (given.count("--evidence")) return evidence_file(given);
    Labels others = given;
    others.erase("--json");
    const std::string what =
        "give --db and --host-id, --evidence, or tpm2_quote's -m/-s files (see keel verify --help)";
    if (others.empty()) throw InputError("nothing to verify: " + what);
    refuse_others(others, {}, "without something to verify: " + what);
    return VerifyMode::checkquote;  // not reached: refuse_others threw
}

}  // namespace keel::cli
