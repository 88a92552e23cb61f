"""Factory fixtures (indico style): ``create_user(...)``, ``create_call(...)``, ``login(...)``, ``api(...)``.

Factories commit in their own app context and return detached rows with their columns loaded, so a test
can read ``user.id`` and then make requests that run in their own app contexts, as in production.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from hotline.extensions import db

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def _detach(obj):
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def create_user(app):
    """``create_user(role="operator", region_code="430000", username=None, password=PASSWORD)``."""
    from hotline.accounts.operations import create_user as op_create_user

    def factory(role: str = "operator", region_code: str = "430000", username: str | None = None,
                password: str = PASSWORD, active: bool = True, display_name: str | None = None):
        with app.app_context():
            username = username or f"{role}{next(_seq)}"
            # Display names are unique (case and spacing aside): by default the username, which is.
            user = op_create_user(username=username, display_name=display_name or username,
                                  password=password, role=role, region_code=region_code, actor=None)
            user.is_active = active
            db.session.commit()
            return _detach(user)

    return factory


@pytest.fixture
def operator(create_user):
    return create_user("operator", "430000", username="op")


@pytest.fixture
def create_call(app, create_user):
    """``create_call(actor=None, **fields)``: a call through the real intake operation."""
    from hotline.calls.operations import record_call

    default_actor = {}

    def factory(actor=None, **fields):
        if actor is None:
            if "user" not in default_actor:
                default_actor["user"] = create_user("operator", "430000", username=f"factory-op{next(_seq)}")
            actor = default_actor["user"]
        data = {
            "received_at": datetime.now(UTC) - timedelta(minutes=5),
            "channel": "phone",
            "request_type": "complaint",
            "ip_type": "patent",
            "region_code": "430100",
            "summary": "某公司销售的产品涉嫌假冒专利",
        }
        data.update(fields)
        with app.app_context():
            from hotline.accounts.models import User

            call = record_call(data, actor=db.session.get(User, actor.id))
            db.session.commit()
            return _detach(call)

    return factory


@pytest.fixture
def login(client):
    """``login(user, password=PASSWORD)`` logs the test client in through the real form."""

    def do_login(user, password: str = PASSWORD, follow: bool = False):
        return client.post("/login", data={"username": user.username, "password": password},
                           follow_redirects=follow)

    return do_login


@pytest.fixture
def make_token(app):
    """``make_token(user) -> raw bearer token``."""
    from hotline.accounts.models import User
    from hotline.accounts.operations import issue_token

    def factory(user, name: str = "test"):
        with app.app_context():
            _, raw = issue_token(db.session.get(User, user.id), name, actor=None)
            db.session.commit()
            return raw

    return factory


class ApiClient:
    """Test client wrapper that sends the bearer token and JSON."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, url: str, json=None, headers=None, **kwargs):
        merged = dict(self.headers)
        merged.update(headers or {})
        return self.client.open(url, method=method, json=json, headers=merged, **kwargs)

    def get(self, url, **kw):
        return self._call("GET", url, **kw)

    def post(self, url, json=None, **kw):
        return self._call("POST", url, json=json, **kw)

    def patch(self, url, json=None, **kw):
        return self._call("PATCH", url, json=json, **kw)


@pytest.fixture
def api(client, make_token):
    """``api(user) -> ApiClient`` authenticated with a fresh token of ``user``."""

    def factory(user):
        return ApiClient(client, make_token(user))

    return factory
