"""Flask CLI: `flask seed`, `flask users create|token|ensure-admin`."""

from __future__ import annotations

import secrets
import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from hotline.core.permissions import province_code
from hotline.extensions import db

users_cli = AppGroup("users", help="Manage user accounts and API tokens.")


@click.command("seed")
def seed_command() -> None:
    """Load reference data, the working-day calendar and the deadline rule sets. Safe to run again."""
    from hotline.seed import seed_all

    counts = seed_all()
    db.session.commit()
    click.echo("Seeded: " + ", ".join(f"{table} {n} changed" for table, n in counts.items()))


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["operator", "officer", "supervisor", "admin"]))
@click.option("--region", "region_code", default=None,
              help="6-digit region code (default: the province, HOTLINE_PROVINCE).")
@click.option("--display-name", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--must-change/--no-must-change", default=True, show_default=True,
              help="The user must choose their own password at first login.")
@click.option("--service", is_flag=True,
              help="An integration's account: no web login, no password; issue its tokens with `users token`.")
def create_user_command(username, role, region_code, display_name, password_stdin, must_change, service) -> None:
    """Create a user. Without --password-stdin a password is generated and printed once."""
    from hotline.accounts.operations import create_user
    from hotline.core.errors import ValidationFailed

    region_code = region_code or province_code()
    if service:
        password, generated = None, False
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        generated = False
    else:
        password = secrets.token_urlsafe(12)
        generated = True
    try:
        user = create_user(username=username, display_name=display_name or username, password=password,
                           role=role, region_code=region_code, actor=None, is_service=service,
                           must_change_password=must_change and not service)
    except ValidationFailed as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    click.echo(f"Created {'service account ' if service else ''}{user.username} ({role}, {region_code}).")
    if generated:
        click.echo(f"Password (shown once): {password}")
    if user.must_change_password:
        click.echo("The user must choose a new password at first login.")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="A label to tell tokens apart.")
def token_command(username, name) -> None:
    """Create an API token for USERNAME and print it once."""
    from hotline.accounts.models import User
    from hotline.accounts.operations import issue_token, normalize_username

    user = db.session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None or not user.is_active:
        click.echo(f"No active user {username!r}.", err=True)
        raise SystemExit(1)
    if not user.may_hold_tokens:
        click.echo(f"{username!r} is an operator: operators work in the web pages. API tokens go to officers, "
                   "supervisors, administrators and service accounts (`users create NAME --service --role ...`).",
                   err=True)
        raise SystemExit(1)
    _, raw = issue_token(user, name, actor=None)
    db.session.commit()
    click.echo(raw)


@users_cli.command("ensure-admin")
@click.option("--username", default="admin", show_default=True)
def ensure_admin_command(username) -> None:
    """Create the first admin if no admin exists yet, and print its password once."""
    from hotline.accounts.models import User
    from hotline.accounts.operations import create_user

    if db.session.scalar(select(User.id).where(User.role == "admin").limit(1)):
        click.echo("An admin account exists already; log in with it (or create another with `flask users create`).")
        return
    password = secrets.token_urlsafe(12)
    # A random strong password printed once to whoever runs this: theirs to keep (no forced change).
    create_user(username=username, display_name="Administrator", password=password, role="admin",
                region_code=province_code(), actor=None, must_change_password=False)
    db.session.commit()
    click.echo("=" * 64)
    click.echo(f"Admin account created. Log in as '{username}' with password: {password}")
    click.echo("This password is shown only once.")
    click.echo("=" * 64)


def init_app(app: Flask) -> None:
    from hotline.demo.cli import demo_data_command

    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_data_command)
    from hotline.backup import backup_cli

    app.cli.add_command(backup_cli)
    from hotline.stats.cli import stats_cli

    app.cli.add_command(stats_cli)
