// application/x-www-form-urlencoded values (the body of a token request, the query of a managed
// identity request): every byte but the unreserved ones (letters, digits, - _ . ~) as %XX.
#pragma once

#include <string>
#include <string_view>

namespace auditsync {

std::string FormEncode(std::string_view value);

// Appends the encoding of `value` to `out` with no temporary copy: for secrets, whose only copies
// must be ones that are wiped.
void AppendFormEncoded(std::string& out, std::string_view value);

}  // namespace auditsync
