// Text for HTML: everything the status page shows that came from outside
// (host ids from enrolment requests, component names and check messages
// from a host's evidence) goes through this, so it can only ever be text,
// never markup: in an element's content and in a quoted attribute value.
#pragma once

#include <string>
#include <string_view>

namespace keel::verifierd {

// & < > " ' as character references; every other byte as it is.
std::string html_escape(std::string_view text);

}  // namespace keel::verifierd
