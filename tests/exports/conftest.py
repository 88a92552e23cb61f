"""Fixtures of the list downloads: the case builders of tests/cases, and a logged-in client per user."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.cases.conftest import attached, build_case, case_data, team  # noqa: F401  (fixtures)
from tests.factories import PASSWORD


@pytest.fixture
def as_user(app, create_user):
    """``as_user(role, region) -> (client, user)``: a fresh client logged in, UI in Chinese."""

    def factory(role: str = "officer", region_code: str = "430100", user=None):
        user = user or create_user(role, region_code)
        client = app.test_client()
        assert client.post("/language/zh_CN").status_code == 302  # the product's default; the suite's is English
        assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
        return client, user

    return factory


def read_xlsx(data: bytes):
    """(title, subtitle, header, rows) of a downloaded list: rows as tuples of cell values."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheet = book.worksheets[0]
    values = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return values[0][0], values[1][0], values[3], values[4:]


def download(client, url: str):
    """GET ``url`` and read the whole body, closing the response (the server deletes its temporary file then)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response
