"""``flask storage migrate`` moves every evidence file between backends, verified, idempotent and resumable;
backup and restore bring back the files of every backend."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.storage import from_url, get_storage
from tests.storage.conftest import PDF, download


def _hashes(app, url: str) -> dict[str, str]:
    with app.app_context():
        storage = from_url(url)
        return {key: storage.hash_of(key) for key in storage.list_keys()}


def _expected(app) -> dict[str, str]:
    from hotline.cases.models import Attachment

    with app.app_context():
        return dict(db.session.execute(sa.select(Attachment.stored_name, Attachment.sha256)).all())


def test_migrate_moves_every_file_folder_to_database_to_s3_and_back(app, use_storage, upload, s3_url, tmp_path):
    ids = [upload(PDF + f"第{i}份".encode(), f"证据{i}.pdf") for i in range(3)]
    expected = _expected(app)
    cli = app.test_cli_runner()

    for target in ("db:", s3_url, f"file:{tmp_path / 'back'}"):
        result = cli.invoke(args=["storage", "migrate", "--to", target])
        assert result.exit_code == 0, result.output
        assert "3 copied, 0 already there, 0 failed; 3 of 3 verified by SHA-256" in result.output
        assert _hashes(app, target) == expected
        use_storage(target)
        for attachment_id in ids:  # the app reads them from the new storage
            status, body, _ = download(app, attachment_id)
            assert status == 200 and hashlib.sha256(body).hexdigest() in expected.values()

    # Idempotent: run again, nothing copied, everything verified.
    again = cli.invoke(args=["storage", "migrate", "--to", s3_url])
    assert again.exit_code == 0, again.output
    assert "0 copied, 3 already there, 0 failed; 3 of 3 verified" in again.output


def test_migrate_resumes_after_an_interruption(app, use_storage, upload, monkeypatch):
    for i in range(4):
        upload(PDF + bytes([i]), f"{i}.pdf")
    from hotline.storage.database import DatabaseStorage

    real_put, calls = DatabaseStorage.put, []

    def dying_put(self, key, source):
        calls.append(key)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the operator's Ctrl+C, or a killed process
        return real_put(self, key, source)

    monkeypatch.setattr(DatabaseStorage, "put", dying_put)
    cli = app.test_cli_runner()
    cli.invoke(args=["storage", "migrate", "--to", "db:"])
    assert len(_hashes(app, "db:")) == 2
    monkeypatch.setattr(DatabaseStorage, "put", real_put)
    resumed = cli.invoke(args=["storage", "migrate", "--to", "db:"])
    assert resumed.exit_code == 0, resumed.output
    assert "2 copied, 2 already there, 0 failed; 4 of 4 verified" in resumed.output
    assert _hashes(app, "db:") == _expected(app)


def test_migrate_refuses_a_damaged_source_file_and_says_so(app, use_storage, upload):
    from pathlib import Path

    from hotline.cases.models import Attachment

    good, bad = upload(PDF + b"good", "good.pdf"), upload(PDF + b"bad", "bad.pdf")
    with app.app_context():
        key = db.session.get(Attachment, bad).stored_name
        path = Path(get_storage().path(key))
    path.write_bytes(b"%PDF-1.7 tampered")
    result = app.test_cli_runner().invoke(args=["storage", "migrate", "--to", "db:"])
    assert result.exit_code != 0
    assert "does not match its SHA-256" in result.output
    assert "1 copied, 0 already there, 1 failed" in result.output
    assert set(_hashes(app, "db:")) == {k for k in _expected(app) if k != key}
    assert good


def test_migrate_with_delete_source_removes_the_old_copies_after_verifying(app, use_storage, upload):
    upload(PDF, "a.pdf")
    result = app.test_cli_runner().invoke(args=["storage", "migrate", "--to", "db:", "--delete-source"])
    assert result.exit_code == 0, result.output
    assert "1 old copies removed" in result.output
    assert _hashes(app, "file:") == {}
    assert _hashes(app, "db:") == _expected(app)


def test_migrate_to_an_unknown_kind_of_url_is_a_usage_error(app, use_storage):
    result = app.test_cli_runner().invoke(args=["storage", "migrate", "--to", "ftp://x"])
    assert result.exit_code == 2 and "db:, file: or s3://" in result.output


def test_storage_check_reports_damaged_and_missing_files(app, use_storage, upload):
    from hotline.cases.models import Attachment

    upload(PDF, "a.pdf")
    cli = app.test_cli_runner()
    ok = cli.invoke(args=["storage", "check"])
    assert ok.exit_code == 0 and "1 intact, 0 damaged, 0 missing" in ok.output
    with app.app_context():
        get_storage().delete(db.session.scalar(sa.select(Attachment.stored_name)))
    missing = cli.invoke(args=["storage", "check"])
    assert missing.exit_code == 1 and "0 intact, 0 damaged, 1 missing" in missing.output


# Backup and restore ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["db", "s3", "file"])
def test_backup_and_restore_bring_back_the_files_of_every_backend(app, use_storage, upload, kind, s3_url, tmp_path):
    from hotline.backup import create_backup, restore_backup
    from hotline.cases.models import Attachment

    url = {"db": "db:", "s3": s3_url, "file": f"file:{tmp_path / 'evidence'}"}[kind]
    use_storage(url)
    ids = [upload(PDF + f"第{i}份".encode(), f"{i}.pdf") for i in range(3)]
    expected = _expected(app)
    with app.app_context():
        manifest = create_backup(tmp_path / "backup")
    assert manifest["evidence"]["archived" if kind != "db" else "in_database"] == 3

    # Disaster: the files and their rows are gone.
    with app.app_context():
        storage = get_storage()
        for key in list(storage.list_keys()):
            storage.delete(key)
        db.session.execute(sa.delete(Attachment))
        db.session.commit()
        assert list(storage.list_keys()) == []

        restored = restore_backup(tmp_path / "backup")
    assert restored["evidence_restored"] == (0 if kind == "db" else 3)
    assert _hashes(app, url) == expected
    for attachment_id in ids:
        status, body, _ = download(app, attachment_id)
        assert status == 200 and hashlib.sha256(body).hexdigest() in expected.values()


def test_a_backup_refuses_a_damaged_evidence_file(app, use_storage, upload, tmp_path):
    from pathlib import Path

    from hotline.backup import BackupError, create_backup
    from hotline.cases.models import Attachment

    attachment_id = upload(PDF, "a.pdf")
    with app.app_context():
        Path(get_storage().path(db.session.get(Attachment, attachment_id).stored_name)).write_bytes(b"rot")
        with pytest.raises(BackupError, match="does not match its SHA-256"):
            create_backup(tmp_path / "backup")


def test_an_upgraded_installation_moves_its_old_folder_into_the_configured_database(app, use_storage, upload):
    """PostgreSQL installs of the first release: STORAGE_URL defaults to db:, the old files sit in the folder."""
    from pathlib import Path

    ids = [upload(PDF + bytes([i]), f"{i}.pdf") for i in range(2)]  # written to the folder (file:)
    use_storage("db:")
    result = app.test_cli_runner().invoke(args=["storage", "migrate", "--to", "db:", "--delete-source"])
    assert result.exit_code == 0, result.output
    assert "2 copied, 0 already there, 0 failed; 2 of 2 verified" in result.output
    assert not any(Path(app.config["HOTLINE_UPLOAD_DIR"]).iterdir())
    for attachment_id in ids:
        assert download(app, attachment_id)[0] == 200
    again = app.test_cli_runner().invoke(args=["storage", "migrate", "--to", "db:"])
    assert again.exit_code == 1 and "already stored in db:" in again.output
