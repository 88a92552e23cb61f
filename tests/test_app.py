"""App factory and configuration: production refuses to start unconfigured, URLs, headers, language."""

from __future__ import annotations

import pytest

from config import ProductionConfig, database_url
from hotline import create_app


@pytest.mark.parametrize(("raw", "expected"), [
    ("postgresql://postgres@127.0.0.1:5432/hotline", "postgresql+psycopg://postgres@127.0.0.1:5432/hotline"),
    ("postgres://u:p@db/h", "postgresql+psycopg://u:p@db/h"),
    ("postgresql+psycopg2://u@db/h", "postgresql+psycopg2://u@db/h"),
    ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    (None, None),
])
def test_database_url_accepts_the_usual_forms(raw, expected):
    assert database_url(raw) == expected


@pytest.mark.parametrize(("secret", "url", "missing"), [
    (None, "postgresql+psycopg://x/y", "SECRET_KEY"),
    ("s3cret", None, "DATABASE_URL"),
    (None, None, "SECRET_KEY, DATABASE_URL"),
])
def test_production_refuses_to_start_without_secret_and_database(monkeypatch, secret, url, missing):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", secret)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", url)
    with pytest.raises(RuntimeError, match=missing):
        create_app("production")


def test_production_cookie_is_secure_httponly_lax(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 32)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_pages_send_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_ui_is_chinese_by_default_and_switches_to_english(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_INSTANCE_DIR", str(tmp_path))
    from config import DevelopmentConfig

    assert DevelopmentConfig.BABEL_DEFAULT_LOCALE == "zh_CN"
    cfg = type("ChineseDefault", (DevelopmentConfig,), {"SECRET_KEY": "x" * 32, "WTF_CSRF_ENABLED": False,
                                                         "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db"})
    client = create_app(cfg).test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    assert 'lang="zh-CN"' in page
    response = client.post("/language/en", data={"next": "/login"})
    assert response.status_code == 302
    assert response.location.endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page
    assert "登录" not in page



def test_language_switch_ignores_offsite_next(client):
    response = client.post("/language/en", data={"next": "//evil.example/x"})
    assert response.status_code == 302
    assert "evil" not in response.location


def test_unknown_language_is_404(client):
    assert client.post("/language/fr").status_code == 404
