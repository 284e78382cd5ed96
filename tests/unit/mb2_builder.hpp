// Builds Multiboot2 information blocks for tests, tag by tag, the way a
// boot loader lays them out (8-byte aligned tags, end tag, total size).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace keel::test {

class Mb2Builder {
public:
    Mb2Builder& cmdline(const std::string& s) { return string_tag(1, s); }
    Mb2Builder& loader(const std::string& s) { return string_tag(2, s); }
    Mb2Builder& module(uint32_t start, uint32_t end, const std::string& s) {
        std::vector<uint8_t> body;
        put32(body, start);
        put32(body, end);
        body.insert(body.end(), s.begin(), s.end());
        body.push_back(0);
        return tag(3, body);
    }
    struct Region {
        uint64_t base, length;
        uint32_t type;
    };
    Mb2Builder& memory_map(const std::vector<Region>& regions, uint32_t entry_size = 24) {
        std::vector<uint8_t> body;
        put32(body, entry_size);
        put32(body, 0);
        for (const auto& r : regions) {
            size_t at = body.size();
            put64(body, r.base);
            put64(body, r.length);
            put32(body, r.type);
            body.resize(at + entry_size, 0);
        }
        return tag(6, body);
    }
    Mb2Builder& tag(uint32_t type, const std::vector<uint8_t>& body) {
        put32(tags_, type);
        put32(tags_, uint32_t(8 + body.size()));
        tags_.insert(tags_.end(), body.begin(), body.end());
        while (tags_.size() % 8) tags_.push_back(0);
        return *this;
    }
    std::vector<uint8_t> build(bool end_tag = true) const {
        std::vector<uint8_t> out;
        std::vector<uint8_t> tags = tags_;
        if (end_tag) {
            put32(tags, 0);
            put32(tags, 8);
        }
        put32(out, uint32_t(8 + tags.size()));
        put32(out, 0);
        out.insert(out.end(), tags.begin(), tags.end());
        return out;
    }

    static void put32(std::vector<uint8_t>& v, uint32_t x) {
        for (int i = 0; i < 4; ++i) v.push_back(uint8_t(x >> (8 * i)));
    }
    static void put64(std::vector<uint8_t>& v, uint64_t x) {
        put32(v, uint32_t(x));
        put32(v, uint32_t(x >> 32));
    }

private:
    Mb2Builder& string_tag(uint32_t type, const std::string& s) {
        std::vector<uint8_t> body(s.begin(), s.end());
        body.push_back(0);
        return tag(type, body);
    }
    std::vector<uint8_t> tags_;
};

}  // namespace keel::test
