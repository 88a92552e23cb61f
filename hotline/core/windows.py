"""Search windows: the time edges a text search tries before it searches everything (calls and cases alike).

A frequent word matches thousands of rows; sorting all of them by time to show the newest page costs a read of
every match. A search first looks among the newest ``recent`` rows of its scope, then windows ``factors`` times
as long in time, and only then everything (calls.queries._search_page, cases.queries). The edges depend on the
scope, not the word, so each process keeps them a few minutes per scope.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select

from hotline.extensions import db

#: Scopes kept per cache before it starts again (a scope is a user's regions and filters: few in practice).
MAX_SCOPES = 10_000


def window_edges(newest_first: Select, key: Any, cache: dict, *, recent: int, factors: Iterable[int],
                 seconds: float) -> list:
    """The window edges of a scope, newest first: the time of its ``recent``-th newest row, then times ``factors``
    times as far back from its newest row (none when the scope holds fewer rows). ``newest_first`` selects the
    scope's time column, newest first; the answer is kept in ``cache`` under ``key`` for ``seconds``."""
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1]
    edge = db.session.scalar(newest_first.offset(recent - 1).limit(1))
    edges = []
    if edge is not None:
        edges.append(edge)
        newest = db.session.scalar(newest_first.limit(1))
        edges += sorted({newest - (newest - edge) * f for f in factors} - {edge}, reverse=True)
    if len(cache) > MAX_SCOPES:
        cache.clear()
    cache[key] = (now, edges)
    return edges
