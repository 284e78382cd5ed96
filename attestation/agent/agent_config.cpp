#include "attestation/agent/agent_config.hpp"

#include <algorithm>
#include <toml++/toml.h>

namespace keel::agent {
namespace {

enum class Kind { text, integer, flag, integers };

struct Key {
    const char* table;
    const char* name;
    const char* option;  // the command line's
    Kind kind;
    bool serve, push;  // which commands it is for
};

constexpr Key KEYS[] = {
    {"tpm", "tcti", "--tcti", Kind::text, true, true},
    {"tpm", "ek", "--ek", Kind::text, true, true},
    {"tpm", "ak", "--ak", Kind::text, true, true},
    {"tpm", "transient", "--transient", Kind::flag, true, true},
    {"logs", "drtm_log", "--drtm-log", Kind::text, true, true},
    {"logs", "boot_log", "--boot-log", Kind::text, true, true},
    {"logs", "pcrs", "--pcrs", Kind::integers, true, true},
    {"serve", "listen", "--listen", Kind::text, true, false},
    {"push", "verifier", "--verifier", Kind::text, false, true},
    {"push", "host_id", "--host-id", Kind::text, false, true},
    {"push", "certificate", "--cert", Kind::text, false, true},
    {"push", "private_key", "--key", Kind::text, false, true},
    {"push", "verifier_ca", "--verifier-ca", Kind::text, false, true},
    {"push", "retry_seconds", "--retry", Kind::integer, false, true},
};

const Key* find(const std::string& table, const std::string& name) {
    for (const Key& k : KEYS)
        if (table == k.table && name == k.name) return &k;
    return nullptr;
}

bool known_table(const std::string& table) {
    return std::any_of(std::begin(KEYS), std::end(KEYS), [&](const Key& k) { return table == k.table; });
}

// The value's arguments after the option; throws on a wrong type.
std::vector<std::string> values(const Key& k, const toml::node& node, const std::string& where) {
    switch (k.kind) {
    case Kind::text:
        if (auto s = node.value<std::string>()) return {*s};
        throw ConfigError(where + " must be a string");
    case Kind::integer:
        if (node.is_integer()) return {std::to_string(node.as_integer()->get())};
        throw ConfigError(where + " must be an integer");
    case Kind::flag:
        if (node.is_boolean()) return {};
        throw ConfigError(where + " must be true or false");
    case Kind::integers: {
        const toml::array* a = node.as_array();
        std::vector<std::string> out;
        if (a)
            for (const toml::node& e : *a) {
                if (!e.is_integer()) {
                    a = nullptr;
                    break;
                }
                out.push_back(std::to_string(e.as_integer()->get()));
            }
        if (!a || out.empty()) throw ConfigError(where + " must be a non-empty array of integers");
        return out;
    }
    }
    return {};
}

}  // namespace

std::vector<std::string> config_arguments(const std::string& path, const std::string& command,
                                          const std::vector<std::string>& given) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        const auto& at = e.source().begin;  // line 0: the file itself (it could not be read)
        const std::string where = at.line ? ":" + std::to_string(at.line) + ":" + std::to_string(at.column) : "";
        throw ConfigError("--config " + path + where + ": " + std::string(e.description()));
    }
    std::vector<std::string> args;
    for (const auto& [table_name, table_node] : root) {
        const std::string table(table_name.str());
        if (!known_table(table) || !table_node.is_table())
            throw ConfigError("--config " + path + ": unknown " +
                              (table_node.is_table() ? "table [" + table + "]" : "key " + table) +
                              " (tables: [tpm], [logs], [serve], [push])");
        for (const auto& [key_name, value] : *table_node.as_table()) {
            const std::string key(key_name.str()), where = "--config " + path + ": [" + table + "] " + key;
            const Key* k = find(table, key);
            if (!k) throw ConfigError(where + ": unknown key");
            std::vector<std::string> v = values(*k, value, where);  // checked whichever command runs
            if (!(command == "serve" ? k->serve : k->push)) continue;
            if (std::find(given.begin(), given.end(), k->option) != given.end()) continue;  // the command line wins
            if (k->kind == Kind::flag && !value.value<bool>().value_or(false)) continue;
            args.push_back(k->option);
            args.insert(args.end(), v.begin(), v.end());
        }
    }
    return args;
}

}  // namespace keel::agent
