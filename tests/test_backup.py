"""Backup and restore: a restored copy holds every record and every evidence file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from hotline.backup import BackupError, create_backup, restore_backup, table_counts, verify_backup
from hotline.calls.models import Call
from hotline.core.models import AuditEvent
from hotline.extensions import db


def _evidence(app, name: str, content: bytes) -> Path:
    uploads = Path(app.config["HOTLINE_UPLOAD_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / name
    path.write_bytes(content)
    return path


def test_restore_brings_back_every_record_and_file(app, create_call, tmp_path):
    refs = {create_call(summary=f"第{i}号来电 假冒专利").ref for i in range(5)}
    evidence = _evidence(app, "a" * 32, b"%PDF-1.4 evidence")
    with app.app_context():
        before = table_counts()
        manifest = create_backup(tmp_path / "backup")
    assert manifest["tables"]["calls"] == 5
    assert set(manifest["files"]) == {"uploads.tar", "database.dump" if manifest["backend"] == "postgresql"
                                      else "database.sqlite3"}

    # Disaster: the calls and the evidence are gone.
    evidence.unlink()
    with app.app_context():
        db.session.execute(sa.delete(Call).where(Call.id > 0))
        db.session.commit()
        assert table_counts()["calls"] == 0

        restore_backup(tmp_path / "backup")
        assert table_counts() == before
        assert set(db.session.scalars(sa.select(Call.ref))) == refs
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before["audit_events"]
    assert hashlib.sha256(evidence.read_bytes()).hexdigest() == hashlib.sha256(b"%PDF-1.4 evidence").hexdigest()


def test_damaged_backup_is_refused_before_anything_changes(app, create_call, tmp_path):
    create_call()
    with app.app_context():
        create_backup(tmp_path / "backup")
    dump = next(p for p in (tmp_path / "backup").iterdir() if p.name.startswith("database"))
    with dump.open("r+b") as fh:
        fh.seek(100)
        fh.write(b"corrupted")
    create_call()
    with app.app_context():
        with pytest.raises(BackupError, match="checksum"):
            verify_backup(tmp_path / "backup")
        with pytest.raises(BackupError, match="checksum"):
            restore_backup(tmp_path / "backup")
        assert table_counts()["calls"] == 2


def test_backup_refuses_an_existing_directory(app, tmp_path):
    (tmp_path / "backup").mkdir()
    with app.app_context(), pytest.raises(FileExistsError):
        create_backup(tmp_path / "backup")


def test_cli_create_verify_restore(app, create_call, tmp_path):
    create_call()
    cli = app.test_cli_runner()
    created = cli.invoke(args=["backup", "create", str(tmp_path / "b")])
    assert created.exit_code == 0, created.output
    assert "Backup written" in created.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["tables"]["calls"] == 1
    assert cli.invoke(args=["backup", "verify", str(tmp_path / "b")]).exit_code == 0
    restored = cli.invoke(args=["backup", "restore", "--yes", str(tmp_path / "b")])
    assert restored.exit_code == 0, restored.output
    assert "row count matches" in restored.output
