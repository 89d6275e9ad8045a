// Package simpledetect compiles and evaluates Panther "simple detections":
// the YAML match expressions of a rule's Detection key, its InlineFilters,
// and the alert keys AlertTitle, DynamicSeverities, AlertContext and
// GroupBy. Everything runs natively in Go; no Python is involved.
//
// # Format
//
// A detection body is a list of match expressions that must all match
// (an implicit All). A match expression is a mapping of one of these forms:
//
//   - Key/value: a key specifier, a Condition and a Value
//     ({KeyPath: eventName, Condition: Equals, Value: ConsoleLogin}).
//   - Key/values: a key specifier, Condition IsIn or IsNotIn and a Values list.
//   - Existence: a key specifier and one of Exists, DoesNotExist, IsNull,
//     IsNotNull, IsNullOrEmpty, IsNotNullOrEmpty (no Value).
//   - Multi-key: a Condition and Values holding exactly two key specifiers;
//     the value of the first key is compared with the value of the second.
//   - List comprehension: a key specifier naming a list, Condition AnyElement,
//     AllElements, OnlyOneElement or NoElement, and Expressions evaluated
//     against each element.
//   - Absolute: {Condition: AlwaysTrue} or {Condition: AlwaysFalse}.
//   - Enrichment: an Enrichment {Table, Selector, FieldPath} in place of the
//     key specifier; the value is read from p_enrichment.<Table>.<Selector>
//     followed by FieldPath.
//   - Combinators: {All: [...]}, {Any: [...]}, {OnlyOne: [...]} (exactly one
//     matches) and {None: [...]} (none matches).
//
// A key specifier is one of Key (a top-level field, taken literally), DeepKey
// (a list of field names and integer list indexes) or KeyPath (dot notation
// with [n] indexes and the [*] wildcard, e.g. "resources[*].ARN").
//
// Field lookups are case-insensitive like PantherEvent: the exact key wins;
// otherwise the case-insensitive match is used. Go maps have no order, so
// when several keys differ only in case and none matches exactly, the
// lexically smallest one wins (Python would take the first in document order).
//
// # Conditions
//
// Scalar conditions: Equals, DoesNotEqual, IEquals, IDoesNotEqual, Contains,
// DoesNotContain, IContains, IDoesNotContain, StartsWith, DoesNotStartWith,
// IStartsWith, IDoesNotStartWith, EndsWith, DoesNotEndWith, IEndsWith,
// IDoesNotEndWith, IsGreaterThan, IsGreaterThanOrEqual, IsLessThan,
// IsLessThanOrEqual, IsIPAddressInCIDR, IsIPAddressNotInCIDR. Value-less
// conditions: IsIPAddress, IsIPv4Address, IsIPv6Address, IsIPAddressPublic,
// IsIPAddressPrivate and the existence conditions above. The "I" prefix means
// case-insensitive.
//
// # Semantics chosen here
//
// Each negative condition (DoesNot..., IsNot..., IsNull, IsNullOrEmpty,
// DoesNotExist) is the exact negation of its positive twin. A positive
// condition holds when at least one value selected by the key matches; a
// missing key or a null value never matches, so a negative condition on a
// missing key holds (Python's None != "x"). Equality is typed: the number 443
// does not equal the string "443", and true does not equal 1. Ordering
// conditions compare numbers numerically (numeric strings in the event are
// parsed) and strings lexically. Contains on a list checks its elements.
//
// InlineFilters follow Panther's documented filter rule: a filter on a field
// the event does not have passes; a null field fails positive conditions and
// passes negative ones. Existence conditions are evaluated normally in
// filters, since "passes when missing" would make them meaningless.
//
// # Not confirmed from public documentation
//
// The public pages show the grammar (PAT's JSON schema) and the condition
// names Equals, DoesNotEqual, IEquals, StartsWith, DoesNotStartWith,
// EndsWith, DoesNotEndWith, Contains, DoesNotContain, Exists, DoesNotExist,
// IsNull, IsNotNull, IsNullOrEmpty, IsIn, IsNotIn, IsGreaterThan(OrEqual),
// IsLessThan(OrEqual), IsIPAddress(Public|Private|InCIDR), IsIPv4Address,
// IsIPv6Address, AnyElement, AllElements, OnlyOneElement, NoElement,
// AlwaysTrue and AlwaysFalse, and the filter rule above. These choices are
// ours and may differ from Panther's backend:
//
//   - the remaining I... variants, IsNotNullOrEmpty and IsIPAddressNotInCIDR;
//   - the typed equality and the ordering of numeric strings described above;
//   - AllElements is false on a missing or empty list (no vacuous truth);
//     NoElement is true there; a wildcard KeyPath in a list comprehension
//     uses the selected values as the elements;
//   - IsIPAddressPrivate means RFC 1918 / RFC 4193 addresses; IsIPAddressPublic
//     means a valid address that is not private, loopback, link-local,
//     multicast, unspecified, shared (100.64.0.0/10), 0.0.0.0/8, 240.0.0.0/4 or
//     broadcast (documentation ranges such as 192.0.2.0/24 count as public);
//   - AlertTitle placeholders render strings as they are, numbers in their
//     shortest form, true/false, lists and objects as compact JSON, and
//     missing or null values as the empty string; a wildcard placeholder joins
//     its values with ", ";
//   - the GroupBy dedup string joins the rendered values with ":";
//   - the Enrichment form reads p_enrichment.<Table>.<Selector>.<FieldPath>.
package simpledetect
