// TPM structures to and from their standard marshalling (TPM 2.0 Part 2)
// with libtss2-mu, for the byte strings Attester hands out and takes in.
#pragma once

#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "attestation/evidence/bytes.hpp"
#include "attestation/tpm/esys_handles.hpp"

namespace keel::tpm {

template <class T> using MarshalFn = TSS2_RC (*)(const T*, std::uint8_t*, std::size_t, std::size_t*);
template <class T> using UnmarshalFn = TSS2_RC (*)(const std::uint8_t*, std::size_t, std::size_t*, T*);

// The C structs reserve room for their largest member, so their marshalling
// never needs more than sizeof(T).
template <class T> evidence::Bytes marshal(const T& value, MarshalFn<T> fn, const char* call) {
    evidence::Bytes bytes(sizeof(T));
    std::size_t size = 0;
    check(fn(&value, bytes.data(), bytes.size(), &size), call);
    bytes.resize(size);
    return bytes;
}

// Exactly one `what` in `bytes`: malformed input or trailing bytes are the
// caller's mistake, so std::invalid_argument.
template <class T> T unmarshal_exact(std::span<const std::uint8_t> bytes, UnmarshalFn<T> fn, const char* what) {
    T value{};
    std::size_t offset = 0;
    if (TSS2_RC rc = fn(bytes.data(), bytes.size(), &offset, &value); rc != TSS2_RC_SUCCESS)
        throw std::invalid_argument(std::string(what) + ": " + Tss2_RC_Decode(rc));
    if (offset != bytes.size())
        throw std::invalid_argument(std::string(what) + ": " + std::to_string(bytes.size() - offset) +
                                    " bytes after the end of the structure");
    return value;
}

}  // namespace keel::tpm
