// A problem with the command line or the host set-up: the tool prints the
// message and exits with status 2.
#pragma once
#include <stdexcept>

namespace keel::platform {

class SetupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace keel::platform
