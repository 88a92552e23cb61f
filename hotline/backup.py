"""Backup and restore of the database and the evidence files: `flask backup create|verify|restore`.

A backup is a directory holding ``database.dump`` (pg_dump custom format) or ``database.sqlite3`` (SQLite's
online backup API), ``uploads.tar`` (the evidence files of a ``file:`` or ``s3://`` storage, streamed from it and
checked against their SHA-256; with ``db:`` storage the files are rows of the dump), and ``manifest.json`` with
the schema revision, the row count of every table and the SHA-256 of every file. ``restore`` checks the checksums
first, restores, then compares the row counts with the manifest and puts the evidence files back into the
configured storage, so a restored copy provably holds every record and file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from hotline.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database and evidence files.")


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_url(url: sa.engine.URL) -> str:
    """libpq form of the SQLAlchemy URL (no driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def table_counts() -> dict[str, int]:
    counts = {}
    with db.engine.connect() as conn:
        for table in sorted(sa.inspect(conn).get_table_names()):
            counts[table] = conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()
    return counts


def _revision() -> str | None:
    with db.engine.connect() as conn:
        try:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except sa.exc.DBAPIError:
            return None


def create_backup(target: Path) -> dict:
    """Write a backup into ``target`` (a new directory). Returns the manifest."""
    target.mkdir(parents=True, exist_ok=False)
    os.chmod(target, 0o700)
    url = db.engine.url
    files: dict[str, str] = {}
    counts = table_counts()
    if url.get_backend_name() == "postgresql":
        dump = target / "database.dump"
        argv = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump),
                "--dbname", _pg_url(url)]
        subprocess.run(argv, check=True, capture_output=True)  # noqa: S603 - fixed argv, no shell
    else:
        dump = target / "database.sqlite3"
        source = sqlite3.connect(url.database)
        try:
            dest = sqlite3.connect(dump)
            with dest:
                source.backup(dest)
            dest.close()
        finally:
            source.close()
    files[dump.name] = _sha256(dump)
    archive = target / "uploads.tar"
    evidence = _archive_evidence(archive)
    files[archive.name] = _sha256(archive)
    manifest = {"created_at": datetime.now(UTC).isoformat(), "backend": url.get_backend_name(),
                "revision": _revision(), "tables": counts, "files": files, "evidence": evidence}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def _archive_evidence(archive: Path) -> dict:
    """Every evidence file that is not in the database dump already (a ``file:`` or ``s3://`` storage, and the
    first release's local folder), streamed into ``archive`` and checked against its SHA-256 on the way."""
    from hotline.storage import ChunkFile, IntegrityError
    from hotline.storage.cli import _expected_hashes, sources

    expected = _expected_hashes()
    archived: set[str] = set()
    in_database = 0
    with tarfile.open(archive, "w") as tar:
        for storage in sources():
            if storage.transactional:  # db: the files are rows of the dump
                in_database += sum(1 for _ in storage.list_keys())
                continue
            for key in list(storage.list_keys()):
                if key in archived:
                    continue
                info = tarfile.TarInfo(key)
                info.size, info.mode, info.mtime = storage.size(key), 0o600, int(datetime.now(UTC).timestamp())
                content = ChunkFile(storage.stream(key, expected.get(key)))
                try:
                    tar.addfile(info, content)
                    if content.read():  # drained: the hash is checked when the stream ends
                        raise IntegrityError(key)
                except IntegrityError as exc:
                    raise BackupError(f"The evidence file {key} in {storage.describe()} does not match its SHA-256; "
                                      "restore it from an older backup, then back up again.") from exc
                archived.add(key)
    return {"storage": sources()[0].describe(), "archived": len(archived), "in_database": in_database}


def _restore_evidence(archive: Path) -> int:
    """Put every file of the archive into the configured storage (``put`` checks nothing exists half-written)."""
    from hotline.storage import get_storage

    storage = get_storage()
    restored = 0
    with tarfile.open(archive) as tar:
        for member in tar:
            if not member.isfile() or "/" in member.name:
                continue
            storage.put(member.name, tar.extractfile(member))
            db.session.commit()  # the database backend writes through the session
            restored += 1
    missing = [m for m in _archive_names(archive) if not storage.exists(m)]
    if missing:
        raise BackupError(f"{len(missing)} evidence file(s) are not in {storage.describe()} after the restore.")
    return restored


def _archive_names(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return [m.name for m in tar if m.isfile() and "/" not in m.name]


def verify_backup(source: Path) -> dict:
    manifest = json.loads((source / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        if _sha256(source / name) != digest:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged.")
    return manifest


def restore_backup(source: Path) -> dict:
    """Restore database and evidence files from ``source``; verifies checksums before and counts after."""
    manifest = verify_backup(source)
    url = db.engine.url
    if manifest["backend"] != url.get_backend_name():
        raise BackupError(f"This backup is of a {manifest['backend']} database; the app uses {url.get_backend_name()}.")
    db.session.remove()
    db.engine.dispose()
    if manifest["backend"] == "postgresql":
        argv = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                "--dbname", _pg_url(url), str(source / "database.dump")]
        subprocess.run(argv, check=True, capture_output=True)  # noqa: S603 - fixed argv, no shell
    else:
        for suffix in ("-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        shutil.copyfile(source / "database.sqlite3", url.database)
    restored = table_counts()
    missing = {t: (n, restored.get(t)) for t, n in manifest["tables"].items() if restored.get(t) != n}
    if missing:
        raise BackupError(f"Row counts differ after restore: {missing}")
    manifest["evidence_restored"] = _restore_evidence(source / "uploads.tar")
    return manifest


@backup_cli.command("create")
@click.argument("target", type=click.Path(path_type=Path))
def create_command(target: Path) -> None:
    """Back up into TARGET (a new directory)."""
    manifest = create_backup(target)
    click.echo(f"Backup written to {target}: {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} "
               f"tables, revision {manifest['revision']}.")


@backup_cli.command("verify")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
def verify_command(source: Path) -> None:
    """Check a backup's checksums."""
    try:
        manifest = verify_backup(source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup of {manifest['created_at']} is intact.")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database and evidence files with the backup in SOURCE."""
    if not yes:
        click.confirm("This replaces the current database and evidence files. Continue?", abort=True)
    try:
        manifest = restore_backup(source)
    except (BackupError, subprocess.CalledProcessError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the backup of {manifest['created_at']}; every table's row count matches.")
