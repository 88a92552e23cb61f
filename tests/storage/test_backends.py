"""Every storage backend (local folder, database, S3-compatible server) stores, streams, lists and deletes files,
checks their SHA-256 on read, and serves evidence downloads the same way."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
from pathlib import Path

import pytest
import sqlalchemy as sa

from hotline.extensions import db
from hotline.storage import CHUNK_SIZE, FileMissing, IntegrityError, from_url, get_storage, storage_url
from tests.storage.conftest import PDF, download

BIG = os.urandom(3 * CHUNK_SIZE + 12345)  # 3.01 MiB: four chunks


def _pieces(data: bytes, size: int = 65536):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def _corrupt(storage, key: str, app) -> None:
    """Change the stored bytes behind the storage's back (disk rot, a tampered object)."""
    if storage.name == "file":
        path = storage.path(key)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif storage.name == "db":
        from hotline.storage.models import StoredFileChunk

        chunk = db.session.get(StoredFileChunk, (key, 0))
        chunk.data = b"X" + chunk.data[1:]
        db.session.commit()
    else:
        original = storage.client.get_object(Bucket=storage.bucket, Key=storage._name(key))
        storage.client.put_object(Bucket=storage.bucket, Key=storage._name(key), Body=b"replaced content",
                                  Metadata=original["Metadata"])


def test_put_stream_list_and_delete(app, backend_url):
    with app.app_context():
        storage = from_url(backend_url)
        stored = storage.put("k1", io.BytesIO(BIG))
        storage.put("k2", _pieces(b"second file"))  # an iterable of chunks works too
        db.session.commit()
        assert (stored.size, stored.sha256) == (len(BIG), hashlib.sha256(BIG).hexdigest())
        assert storage.exists("k1") and not storage.exists("nope")
        assert sorted(storage.list_keys()) == ["k1", "k2"]
        assert storage.size("k1") == len(BIG)
        chunks = list(storage.stream("k1", stored.sha256))
        assert b"".join(chunks) == BIG
        assert max(len(c) for c in chunks) <= CHUNK_SIZE, "read back in pieces, not as one blob"
        with storage.open_verified("k2") as verified:
            assert verified.read() == b"second file"
        storage.delete("k1")
        db.session.commit()
        assert not storage.exists("k1") and list(storage.list_keys()) == ["k2"]
        with pytest.raises(FileMissing):
            list(storage.stream("k1"))


def test_a_damaged_file_is_an_integrity_error(app, backend_url):
    with app.app_context():
        storage = from_url(backend_url)
        stored = storage.put("k1", io.BytesIO(BIG))
        db.session.commit()
        _corrupt(storage, "k1", app)
        with pytest.raises(IntegrityError):
            storage.open_verified("k1", stored.sha256)
        with pytest.raises(IntegrityError):
            list(storage.stream("k1", stored.sha256))


def test_the_database_backend_keeps_a_large_file_in_1_mib_chunks(app):
    from hotline.storage.models import StoredFile, StoredFileChunk

    large = os.urandom(12 * CHUNK_SIZE + 12345)  # 12 MiB
    with app.app_context():
        storage = from_url("db:")
        tracemalloc.start()
        try:
            stored = storage.put("big", _pieces(large))
            db.session.commit()
            _, peak_write = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            digest = hashlib.sha256()
            for chunk in storage.stream("big", stored.sha256):
                digest.update(chunk)
            _, peak_read = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        sizes = db.session.execute(sa.select(StoredFileChunk.seq, sa.func.length(StoredFileChunk.data))
                                   .where(StoredFileChunk.key == "big").order_by(StoredFileChunk.seq)).all()
        row = db.session.get(StoredFile, "big")
    assert [s for _, s in sizes] == [CHUNK_SIZE] * 12 + [12345]
    assert (row.size, row.chunk_count, row.sha256) == (len(large), 13, hashlib.sha256(large).hexdigest())
    assert digest.hexdigest() == row.sha256
    # Never the whole 12 MiB file at once: a few chunks in flight (measured: about 3 MiB either way).
    assert peak_write < 6 * CHUNK_SIZE, peak_write
    assert peak_read < 6 * CHUNK_SIZE, peak_read


def test_a_missing_database_chunk_is_an_integrity_error(app):
    from hotline.storage.models import StoredFileChunk

    with app.app_context():
        storage = from_url("db:")
        storage.put("big", io.BytesIO(BIG))
        db.session.execute(sa.delete(StoredFileChunk).where(StoredFileChunk.key == "big", StoredFileChunk.seq == 2))
        db.session.commit()
        with pytest.raises(IntegrityError):
            list(storage.stream("big"))


def test_the_default_is_the_database_on_postgresql_and_the_folder_on_sqlite():
    assert storage_url({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://h/db", "HOTLINE_UPLOAD_DIR": "/x"}) == "db:"
    assert storage_url({"SQLALCHEMY_DATABASE_URI": "sqlite:////i/h.db", "HOTLINE_UPLOAD_DIR": "/i/evidence"}) == (
        "file:/i/evidence")
    assert storage_url({"STORAGE_URL": "s3://b?endpoint=http://s3", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                        "HOTLINE_UPLOAD_DIR": "/x"}) == "s3://b?endpoint=http://s3"
    with pytest.raises(ValueError, match="db:, file: or s3://"):
        from_url("ftp://host/evidence")


# Evidence through each backend ------------------------------------------------------------------------------------

def test_evidence_is_stored_and_downloaded_through_every_backend(app, use_storage, backend_url, upload, tmp_path):
    use_storage(backend_url)
    content = PDF + os.urandom(2 * CHUNK_SIZE)
    attachment_id = upload(content, "证据.pdf")
    status, body, headers = download(app, attachment_id)
    assert status == 200 and body == content
    assert headers["Content-Length"] == str(len(content))
    assert headers["Content-Disposition"].startswith("attachment;")
    with app.app_context():
        assert get_storage().describe() == from_url(backend_url).describe()
    # Nothing landed in the local folder unless that is the storage.
    if not backend_url.startswith("file:"):
        folder = Path(app.config["HOTLINE_UPLOAD_DIR"])
        assert not folder.exists() or not any(folder.iterdir())


def test_a_damaged_stored_file_is_refused_with_a_clear_message(app, use_storage, backend_url, upload, caplog):
    use_storage(backend_url)
    attachment_id = upload(PDF, "张三的证据.pdf")
    from hotline.cases.models import Attachment

    with app.app_context():
        key = db.session.get(Attachment, attachment_id).stored_name
        _corrupt(get_storage(), key, app)
    caplog.clear()
    status, message, _ = download(app, attachment_id)
    assert status == 500
    assert "damaged" in message and "backup" in message
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"attachment {attachment_id}" in logged and "SHA-256" in logged
    assert "张三" not in logged, "the log names the attachment by id, never by its (personal) file name"


def test_an_upload_that_does_not_commit_leaves_no_file(app, use_storage, backend_url, officer, case_id):
    from werkzeug.datastructures import FileStorage

    from hotline.accounts.models import User
    from hotline.cases.attachments import store_attachment
    from hotline.cases.models import Case

    use_storage(backend_url)
    with app.test_request_context():
        store_attachment(db.session.get(Case, case_id), FileStorage(io.BytesIO(PDF), filename="a.pdf"),
                         description=None, actor=db.session.get(User, officer.id))
        db.session.rollback()
        assert list(get_storage().list_keys()) == []


def test_files_of_the_first_release_stay_readable_from_the_local_folder(app, use_storage, upload):
    """An installation that moves to db: storage still serves the files in its old folder until they migrate."""
    attachment_id = upload(PDF + b"old", "old.pdf")  # stored in the local folder (file:)
    use_storage("db:")
    status, body, _ = download(app, attachment_id)
    assert status == 200 and body == PDF + b"old"


def test_the_web_page_says_in_chinese_that_the_file_is_damaged(app, client, login, use_storage, upload, officer,
                                                               case_id):
    from hotline.cases.models import Attachment

    use_storage("db:")
    attachment_id = upload(PDF, "a.pdf")
    with app.app_context():
        _corrupt(get_storage(), db.session.get(Attachment, attachment_id).stored_name, app)
    login(officer)
    with client.session_transaction() as session:
        session["lang"] = "zh_CN"
    response = client.get(f"/cases/{case_id}/attachments/{attachment_id}")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "该附件的存储文件已损坏" in page and "%PDF" not in page


def test_s3_stores_a_large_file_in_parts_with_its_hash_as_metadata(app, s3_url):
    large = os.urandom(11 * CHUNK_SIZE + 7)  # above the 5 MiB multipart threshold: three parts
    with app.app_context():
        storage = from_url(s3_url)
        stored = storage.put("big", _pieces(large))
        head = storage.client.head_object(Bucket=storage.bucket, Key="big")
        assert head["Metadata"]["sha256"] == stored.sha256 == hashlib.sha256(large).hexdigest()
        assert head["ContentLength"] == len(large)
        assert hashlib.sha256(b"".join(storage.stream("big"))).hexdigest() == stored.sha256
