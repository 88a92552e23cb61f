"""Login timing does not tell whether a username exists: an unknown username costs one argon2 verification, as a
wrong password does, and no hashing (the dummy hash it is verified against is computed once)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.factories import PASSWORD


@pytest.fixture
def argon2_calls(monkeypatch):
    """Counts of PasswordHasher.hash and .verify calls (the expensive work of a login)."""
    calls = {"hash": 0, "verify": 0}
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def counting_hash(self, *args, **kwargs):
        calls["hash"] += 1
        return real_hash(self, *args, **kwargs)

    def counting_verify(self, *args, **kwargs):
        calls["verify"] += 1
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counting_hash)
    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    return calls


def _login(app, username: str, password: str) -> int:
    return app.test_client().post("/login", data={"username": username, "password": password}).status_code


def test_an_unknown_username_costs_what_a_wrong_password_costs(app, create_user, argon2_calls):
    user = create_user("officer", "430100")
    assert _login(app, "nobody-here", "a wrong password") == 401  # the first miss may compute the dummy hash
    work = []
    for username, password in [(user.username, "a wrong password"), ("nobody-here", "a wrong password"),
                               ("no-one-else", "another wrong one"), (user.username, "yet another wrong one")]:
        argon2_calls.update(hash=0, verify=0)
        assert _login(app, username, password) == 401
        work.append(dict(argon2_calls))
    assert work == [{"hash": 0, "verify": 1}] * 4


def test_a_right_password_still_logs_in(app, create_user, argon2_calls):
    user = create_user("officer", "430100")
    assert _login(app, "nobody-here", PASSWORD) == 401
    assert _login(app, user.username, PASSWORD) == 302
