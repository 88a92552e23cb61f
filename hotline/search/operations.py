"""The one write a search makes: a masked role's phone-number search is a counted, audited reveal."""

from __future__ import annotations

from hotline.calls.operations import audit_number_lookup, record_number_lookup
from hotline.search.queries import SearchResult, find_by_number


def search(user, q: str | None) -> SearchResult:
    """find_by_number, and for a role that sees numbers masked a phone search counts against the look-up limit
    (``TooManyLookups`` beyond it: nothing found is shown) and each call it shows is audited (``lookup_number``),
    as the intake panel's look-up and the caller-history API do. The caller commits."""
    result = find_by_number(user, q)
    if result.masked_phone_key is not None:
        counted = record_number_lookup(user, result.masked_phone_key)
        if counted:
            audit_number_lookup(result.phone_calls, actor=user)
    return result
