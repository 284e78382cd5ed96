#include "attestation/json/exact_json.hpp"

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace keel::json {
namespace {

using nlohmann::json;

constexpr std::size_t max_quoted_length = 200;  // a name in a message, not the whole of a hostile one

// `text` as a JSON string: quoted, control characters escaped, cut short.
std::string escaped(const std::string& text) {
    const auto cut = text.size() > max_quoted_length ? text.substr(0, max_quoted_length) + "..." : text;
    return json(cut).dump(-1, ' ', false, json::error_handler_t::replace);
}

// Where the parser is: one frame per open object or array.
struct Frame {
    bool object = false;
    std::string path;  // "" at the top level
    std::unordered_set<std::string> members;  // objects: the names seen so far
    std::string member;  // objects: the member whose value comes next
    std::size_t element = 0;  // arrays: the index of the next element
};

class Tracker {
public:
    bool operator()(int, json::parse_event_t event, json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start: open(true); break;
        case json::parse_event_t::array_start: open(false); break;
        case json::parse_event_t::key: name(parsed.get_ref<const std::string&>()); break;
        case json::parse_event_t::value: next(); break;
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
            stack_.pop_back();
            next();
            break;
        }
        return true;
    }

private:
    void open(bool object) {
        Frame frame;
        frame.object = object;
        if (!stack_.empty()) {
            const auto& parent = stack_.back();
            frame.path = parent.object ? (parent.path.empty() ? parent.member : parent.path + "." + parent.member)
                                       : parent.path + "[" + std::to_string(parent.element) + "]";
        }
        stack_.push_back(std::move(frame));
    }

    void name(const std::string& member) {
        auto& frame = stack_.back();
        if (!frame.members.insert(member).second)
            throw RepeatedMember("member " + escaped(member) + " appears twice in " +
                                 (stack_.size() == 1 ? std::string("the top-level object") : escaped(frame.path)));
        frame.member = member;
    }

    // A value ended: in an array, the next one has the next index.
    void next() {
        if (!stack_.empty() && !stack_.back().object) ++stack_.back().element;
    }

    std::vector<Frame> stack_;
};

}  // namespace

json parse_exact(std::string_view text, bool allow_exceptions) {
    Tracker tracker;
    return json::parse(
        text, [&tracker](int depth, json::parse_event_t event, json& parsed) { return tracker(depth, event, parsed); },
        allow_exceptions);
}

}  // namespace keel::json
