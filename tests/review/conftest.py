"""Fixtures for the case-file review tests: staff of 长沙 (430100) and 株洲 (430200), and a case builder."""

from __future__ import annotations

import pytest

from tests.review.builders import build_case, staff


@pytest.fixture
def changsha(create_user):
    return staff(create_user, "430100")


@pytest.fixture
def zhuzhou(create_user):
    return staff(create_user, "430200")


@pytest.fixture
def build(app):
    """``build(actor, **kw) -> case id`` (see ``tests.review.builders.build_case``)."""

    def factory(actor, **kwargs):
        return build_case(app, actor, **kwargs)

    return factory
