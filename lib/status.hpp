// Status codes for freestanding code: the kernel has no exceptions, so every
// fallible operation returns one of these and callers must look at it.
#pragma once

namespace keel {

enum class [[nodiscard]] Status{
    Ok,        OutOfMemory, BadArgument,
    Malformed,  // untrusted bytes did not parse
    Truncated,  // a structure claims more bytes than it has
    NotFound,  Unsupported, Exists,
};

constexpr const char* status_name(Status s) {
    switch (s) {
    case Status::Ok: return "ok";
    case Status::OutOfMemory: return "out of memory";
    case Status::BadArgument: return "bad argument";
    case Status::Malformed: return "malformed";
    case Status::Truncated: return "truncated";
    case Status::NotFound: return "not found";
    case Status::Unsupported: return "unsupported";
    case Status::Exists: return "already exists";
    }
    return "?";
}

}  // namespace keel
