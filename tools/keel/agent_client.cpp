#include "tools/keel/agent_client.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "attestation/json/exact_json.hpp"
#include "tools/keel/http_plugin.hpp"

namespace keel::cli {
namespace {

constexpr int timeout_seconds = 60;  // a hardware TPM quote can take seconds
constexpr const char* plugin_name = "libkeel-http.so";

using Request = decltype(&keel_http_request);
using Free = decltype(&keel_http_free);

struct Plugin {
    Request request = nullptr;
    Free free = nullptr;
};

// Where libkeel-http.so may be, in the order tried: beside the executable
// (the build tree); the installed plugin directory relative to the
// executable (an installation under any prefix, a DESTDIR tree, a package
// extracted anywhere); the plugin directories of the configured prefix and
// of the Debian package (a keel binary copied somewhere else). The build
// gives the last three (tools/keel/CMakeLists.txt).
std::vector<std::filesystem::path> plugin_candidates() {
    std::vector<std::filesystem::path> places;
    auto add = [&](const std::filesystem::path& p) {
        const auto normal = p.lexically_normal();
        if (std::find(places.begin(), places.end(), normal) == places.end()) places.push_back(normal);
    };
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        add(plugin_name);  // no /proc: the dynamic loader's search path
    } else {
        add(self.parent_path() / plugin_name);
        add(self.parent_path() / KEEL_PLUGINDIR_FROM_BINDIR / plugin_name);
    }
    std::string_view installed = KEEL_PLUGINDIRS;
    while (!installed.empty()) {
        const auto colon = installed.find(':');
        const auto dir = installed.substr(0, colon);
        if (!dir.empty()) add(std::filesystem::path(dir) / plugin_name);
        installed = colon == std::string_view::npos ? std::string_view{} : installed.substr(colon + 1);
    }
    return places;
}

const Plugin& plugin() {
    static const Plugin loaded = [] {
        const auto places = plugin_candidates();
        // The first that exists is the one meant: a plugin that is there but
        // does not load (a library it needs is missing) is reported as such,
        // not passed over for another copy.
        auto found = std::find_if(places.begin(), places.end(), [](const auto& p) {
            std::error_code ec;
            return p.is_relative() || std::filesystem::exists(p, ec);
        });
        if (found == places.end()) {
            std::string why = " (keel's HTTP client): not there";
            for (auto p = places.begin() + 1; p != places.end(); ++p)
                why += (p == places.begin() + 1 ? ", nor in " : ", ") + p->parent_path().string();
            throw AgentError("cannot load " + places.front().string() + why, true);
        }
        const auto path = found->string();
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) throw AgentError("cannot load " + path + " (keel's HTTP client): " + dlerror(), true);
        Plugin p{reinterpret_cast<Request>(dlsym(handle, "keel_http_request")),
                 reinterpret_cast<Free>(dlsym(handle, "keel_http_free"))};
        if (!p.request || !p.free) throw AgentError(path + " is not keel's HTTP client", true);
        return p;
    }();
    return loaded;
}

// An agent's words end up on the verifier's terminal: no control characters.
std::string printable(std::string text) {
    constexpr std::size_t max_length = 500;
    if (text.size() > max_length) text = text.substr(0, max_length) + "...";
    for (auto& c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return text;
}

std::string call(const std::string& url, const char* method, const std::string& path, const std::string& body = {}) {
    const auto& http = plugin();
    keel_http_response response{};
    if (http.request(url.c_str(), method, path.c_str(), body.data(), body.size(), timeout_seconds, &response) != 0)
        throw AgentError("out of memory talking to " + url, true);
    std::string text(response.body, response.status > 0 ? response.body_size : std::strlen(response.body));
    const int status = response.status;
    http.free(&response);
    if (status == 0) throw AgentError("cannot reach the agent at " + url + path + ": " + printable(text), true);
    if (status < 0) throw AgentError("the agent at " + url + path + " misbehaved: " + printable(text), false);
    if (status != 200) {
        // The agent's own words when it sent {"error": "..."} (read exactly, as
        // everything from an agent: a repeated member leaves the raw text).
        try {
            auto doc = keel::json::parse_exact(text);
            if (doc.is_object() && doc.contains("error") && doc["error"].is_string())
                text = doc["error"].get<std::string>();
        } catch (const keel::json::RepeatedMember&) {}
        throw AgentError("the agent at " + url + path + " answered " + std::to_string(status) + ": " + printable(text),
                         false);
    }
    return text;
}

}  // namespace

AgentClient::AgentClient(std::string url) : url_(std::move(url)) {
    if (url_.rfind("http://", 0) != 0) throw AgentError("--agent " + url_ + ": expected http://HOST:PORT", false);
    while (!url_.empty() && url_.back() == '/') url_.pop_back();
}

std::string AgentClient::identity() { return call(url_, "GET", "/v1/identity"); }

std::string AgentClient::activate(const std::string& challenge_json) {
    return call(url_, "POST", "/v1/activate", challenge_json);
}

std::string AgentClient::evidence(const std::string& nonce_hex) {
    return call(url_, "GET", "/v1/evidence?nonce=" + nonce_hex);
}

}  // namespace keel::cli
