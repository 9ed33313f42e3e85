// Renders a decoded record slot as a Graph auditLogRecord JSON object (reference §1.8/§1.9),
// with the Power Apps payload in one of its two shapes (§1.10) and the deliberate variations a
// robust client must absorb: UPN case, app ids as paths or upper case, PropertyCollection order
// and Name case, and the malformed records it must quarantine.
#pragma once

#include <string>

#include "tenant.hpp"

namespace emulator {

// Appends the record as one compact JSON object. Rendering depends only on the slot (never on
// `copy`), so a duplicate delivery is byte-identical to the first.
void AppendRecord(const Tenant& tenant, const Slot& slot, std::string& out);

// Appends the record as the Office 365 Management Activity API serves it in a content blob
// (reference §5.8-5.9): the unified audit log record itself, what Graph wraps as auditData. A
// malformed record stays unusable: no id, a CreationTime that is no date (a number, for Graph's
// auditData that is a number), or no app.
void AppendAuditRecord(const Tenant& tenant, const Slot& slot, std::string& out);

}  // namespace emulator
