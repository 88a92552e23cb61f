"""The cases fixtures (team, build_case …) for inbox and notification tests."""

import threading

import pytest

import hotline.models  # noqa: F401  (every mapper, before the test modules import query modules)
from tests.cases.conftest import attached, build_case, case_data, team  # noqa: F401


def wait_for_embedded_senders() -> None:
    """The embedded mode's sender threads a commit started (no Redis in the tests)."""
    for thread in threading.enumerate():
        if thread.name.startswith("outbox-"):
            thread.join(timeout=30)


@pytest.fixture(autouse=True)
def _senders_done():
    """No sender thread outlives its test (it would hold the database the next test starts from)."""
    yield
    wait_for_embedded_senders()
