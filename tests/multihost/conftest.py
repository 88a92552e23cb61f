"""The multi-host test runs its own PostgreSQL and Redis in namespaces: the suite's per-test reset of its
in-process database does not apply (and the suite's database is not needed)."""

import pytest


@pytest.fixture(autouse=True)
def _clean_database():
    return
