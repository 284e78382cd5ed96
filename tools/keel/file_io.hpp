// Reading the files a subcommand is given, with a size limit, and the error
// it reports when it cannot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace keel::cli {

// Bad input from the user: a file that cannot be read or does not parse.
// what() is one line naming the file.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The file could not be opened or read at all (missing, no permission, an
// I/O error), as opposed to one that was read and is malformed. keel enroll
// and keel verify report it as a local fault (exit 3); the other commands
// as bad input.
class FileError : public InputError {
public:
    using InputError::InputError;
};

std::vector<std::uint8_t> read_binary_file(const std::string& path, std::size_t max_bytes);
std::string read_text_file(const std::string& path, std::size_t max_bytes);

}  // namespace keel::cli
