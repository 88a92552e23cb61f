"""``flask storage migrate --to URL``: copy every evidence file to another backend, verified; ``flask storage
check``: every attachment's file is there and matches its SHA-256."""

from __future__ import annotations

from dataclasses import dataclass, field

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from hotline.extensions import db
from hotline.storage import FileMissing, IntegrityError, Storage, from_url, get_storage, legacy_storage

storage_cli = AppGroup("storage", help="Where evidence files are stored (STORAGE_URL).")


@dataclass
class MigrationReport:
    target: str
    copied: int = 0
    already: int = 0
    verified: int = 0
    failed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.copied + self.already + len(self.failed)


def _expected_hashes() -> dict[str, str]:
    from hotline.cases.models import Attachment

    return dict(db.session.execute(sa.select(Attachment.stored_name, Attachment.sha256)).all())


def sources() -> list[Storage]:
    """The configured storage, then the first release's local folder if it still holds files."""
    places = [get_storage()]
    legacy = legacy_storage()
    if legacy is not None:
        places.append(legacy)
    return places


def _commit() -> None:
    db.session.commit()  # the database backend writes through the session


def migrate_files(target: Storage, *, delete_source: bool = False, echo=lambda _msg: None) -> MigrationReport:
    """Copy every file of the current storage (and the legacy folder) to ``target``; idempotent and resumable: a
    file already in ``target`` with the right SHA-256 is left alone. Then verify every file in ``target`` by
    reading it back; ``delete_source`` removes the sources' copies only if everything verified."""
    report = MigrationReport(target.describe())
    expected = _expected_hashes()
    places = [s for s in sources() if s.describe() != target.describe()]
    seen: dict[str, tuple[Storage, str | None]] = {}
    for source in places:
        for key in list(source.list_keys()):
            if key in seen:
                continue
            want = expected.get(key) or source.stored_sha256(key)
            seen[key] = (source, want)
            try:
                if target.exists(key) and target.hash_of(key) == (want or source.hash_of(key)):
                    report.already += 1
                    continue
                stored = target.put(key, source.stream(key, want))
                _commit()
            except IntegrityError:
                db.session.rollback()
                report.failed.append(key)
                echo(f"  {key}: the source copy does not match its SHA-256; not copied")
                continue
            if want and stored.sha256 != want:
                report.failed.append(key)
                continue
            report.copied += 1
    report.missing = sorted(k for k in expected if k not in seen and not target.exists(k))
    for key, (_source, want) in seen.items():
        if key in report.failed:
            continue
        try:
            if want is None or target.hash_of(key) == want:
                report.verified += 1
            else:
                report.failed.append(key)
        except FileMissing:
            report.failed.append(key)
    if delete_source and not report.failed:
        for key, (source, _want) in seen.items():
            source.delete(key)
            report.deleted += 1
        _commit()
    return report


@storage_cli.command("migrate")
@click.option("--to", "url", required=True, help="The target STORAGE_URL (db:, file:/folder, s3://bucket?...).")
@click.option("--delete-source", is_flag=True, help="Remove the old copies once every file verified.")
def migrate_command(url: str, delete_source: bool) -> None:
    """Copy every evidence file to another storage, verified by SHA-256. Safe to run again (resumes)."""
    try:
        target = from_url(url, static_folder=current_app.static_folder)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from exc
    legacy = legacy_storage()
    if target.describe() == get_storage().describe() and (legacy is None or next(legacy.list_keys(), None) is None):
        raise click.ClickException(f"Evidence is already stored in {target.describe()}.")
    click.echo(f"Copying evidence files from {', '.join(s.describe() for s in sources())} to {target.describe()} …")
    report = migrate_files(target, delete_source=delete_source, echo=click.echo)
    click.echo(f"{report.copied} copied, {report.already} already there, {len(report.failed)} failed; "
               f"{report.verified} of {report.total} verified by SHA-256 in {report.target}.")
    if report.missing:
        click.echo(f"{len(report.missing)} attachment(s) have no stored file anywhere (run `flask storage check`).")
    if report.deleted:
        click.echo(f"{report.deleted} old copies removed.")
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} file(s) did not copy intact; run the command again "
                                   "after restoring them from a backup.")
    click.echo(f"Done. Set STORAGE_URL={url} and restart the app.")


@storage_cli.command("check")
def check_command() -> None:
    """Read every attachment's file back and compare it with its SHA-256."""
    from hotline.cases.models import Attachment

    places = sources()
    ok, missing, damaged = 0, 0, 0
    for attachment_id, key, sha256 in db.session.execute(
            sa.select(Attachment.id, Attachment.stored_name, Attachment.sha256).order_by(Attachment.id)):
        for place in places:
            try:
                if place.hash_of(key) == sha256:
                    ok += 1
                else:
                    damaged += 1
                    click.echo(f"attachment {attachment_id}: damaged in {place.describe()}")
                break
            except FileMissing:
                continue
        else:
            missing += 1
            click.echo(f"attachment {attachment_id}: missing")
    click.echo(f"{ok} intact, {damaged} damaged, {missing} missing ({', '.join(p.describe() for p in places)}).")
    if damaged or missing:
        raise SystemExit(1)
