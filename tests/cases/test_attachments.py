"""Evidence storage (hotline.cases.attachments): type by content, display names, atomic storage that leaves no
file behind when the database refuses or the transaction rolls back, and safe serving."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from hotline.cases import attachments as att
from hotline.core.errors import ValidationFailed
from hotline.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"<x/>")
    return buffer.getvalue()


def _ole2(stream_name: str) -> bytes:
    """A compound-file header followed by a directory entry naming ``stream_name`` (UTF-16LE)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + (stream_name + "\x00").encode("utf-16-le")


def _riff(form: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 100) + form + b"\x00" * 20


@pytest.mark.parametrize(("data", "kind"), [
    (PDF, att.PDF),
    (b"\xff\xd8\xff\xdb" + b"\x00" * 10, att.JPEG),
    (b"\x89PNG\r\n\x1a\n\x00\x00", att.PNG),
    (b"GIF89a\x01\x00", att.GIF),
    (b"GIF87a\x01\x00", att.GIF),
    (_riff(b"WEBP"), att.WEBP),
    (_riff(b"WAVE"), att.WAV),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", att.MP4),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", att.MP3),
    (b"\xff\xfb\x90\x64" + b"\x00" * 10, att.MP3),  # MPEG-1 layer III frame without a tag
    (_zip("[Content_Types].xml", "word/document.xml"), att.DOCX),
    (_zip("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"), att.XLSX),
    (_zip("[Content_Types].xml", "ppt/presentation.xml"), att.PPTX),
    (_ole2("WordDocument"), att.DOC),
    (_ole2("Workbook"), att.XLS),
    ("询问笔录\r\n被询问人:张三\t签字".encode(), att.TEXT),
    ("\ufeff带BOM的文本".encode(), att.TEXT),
    (b"a,b,c\n1,2,3\n", att.TEXT),
])
def test_accepted_types_are_detected_by_content(data, kind):
    assert att.detect_kind(data) is kind


@pytest.mark.parametrize(("data", "words"), [
    (b"<!DOCTYPE html><title>x</title>", "Web pages"),
    (b"   <HTML><body onload=alert(1)>", "Web pages"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "Web pages"),
    (b"<?xml version='1.0'?><root/>", "Web pages"),
    ("说明文字 <script>alert(1)</script>".encode(), "Web pages"),
    (b"#!/usr/bin/env python\nprint(1)\n", "script"),
    (b"MZ\x90\x00", "Windows program"),
    (b"\x7fELF\x02\x01\x01", "Linux program"),
    (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01", "macOS program"),
    (_zip("a.txt"), "ZIP archives"),
    (_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "macros"),
    (b"PK\x03\x04 not really a zip", "damaged"),
    (_ole2("PowerPoint Document"), "only Word (.doc) and Excel (.xls)"),
    (_ole2("\x05SummaryInformation"), "only Word (.doc) and Excel (.xls)"),  # e.g. an MSI installer
    (b"Rar!\x1a\x07\x00", "compressed archive"),
    (b"7z\xbc\xaf\x27\x1c\x00\x04", "compressed archive"),
    (b"\x1f\x8b\x08\x00", "compressed archive"),
    ("GBK编码的文本".encode("gbk"), "UTF-8"),
    (b"abc\x00def", "not accepted"),
    (b"abc\x1b[31mred", "not accepted"),
    (b"\x00\x00\x00\x20ftypqt  \x00\x00", "not accepted"),  # QuickTime, not MP4
])
def test_other_content_is_refused_with_a_clear_reason(data, words):
    with pytest.raises(att.Refused) as excinfo:
        att.detect_kind(data)
    assert words in str(excinfo.value)


@pytest.mark.parametrize(("raw", "shown"), [
    ("证据.pdf", "证据.pdf"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\evil.pdf", "evil.pdf"),
    ("C:\\Users\\张三\\Desktop\\合同.docx", "合同.docx"),
    ("a\x00b.pdf", "ab.pdf"),
    ("line\nbreak\r.pdf", "linebreak.pdf"),
    ("\u202egpj.exe", "gpj.exe"),
    ("  spaced   name .pdf  ", "spaced name .pdf"),
    ("...", "attachment.pdf"),
    ("", "attachment.pdf"),
    (None, "attachment.pdf"),
    ("e\u0301.pdf", "\u00e9.pdf"),  # NFC
])
def test_display_names(raw, shown):
    assert att.display_name(raw, att.PDF) == shown


def test_display_names_are_at_most_255_characters_and_keep_the_extension():
    name = att.display_name("长" * 400 + ".docx", att.DOCX)
    assert len(name) == 255 and name.endswith("长.docx")
    assert len(att.display_name("x" * 400, att.TEXT)) == 255


@pytest.mark.parametrize(("name", "header"), [
    ("证据.pdf", "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''%E8%AF%81%E6%8D%AE.pdf"),
    ('a"b;c.pdf', "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"),
    ("report 2015.pdf", "attachment; filename=\"report 2015.pdf\"; filename*=UTF-8''report%202015.pdf"),
    ("Café.txt", "attachment; filename=\"Cafe.txt\"; filename*=UTF-8''Caf%C3%A9.txt"),
])
def test_content_disposition_is_rfc_5987(name, header):
    assert att.content_disposition(name) == header


# Storage -------------------------------------------------------------------------------------------------------

@pytest.fixture
def officer(create_user):
    return create_user("officer", "430100")


@pytest.fixture
def case_id(app, officer):
    from hotline.accounts.models import User
    from hotline.cases.operations import create_case

    with app.app_context():
        case = create_case({"case_type": "infringement_dispute", "region_code": "430100", "received_on": "2015-09-30",
                            "summary": "请求处理专利侵权纠纷"}, actor=db.session.get(User, officer.id))
        db.session.commit()
        return case.id


@pytest.fixture
def store(app, officer, case_id):
    """``store(data, name, description=None)`` inside the caller's app context → Attachment (not committed)."""
    from hotline.accounts.models import User
    from hotline.cases.models import Case

    def do(data: bytes, name: str = "证据.pdf", description: str | None = None):
        return att.store_attachment(db.session.get(Case, case_id), FileStorage(io.BytesIO(data), filename=name),
                                    description=description, actor=db.session.get(User, officer.id))

    return do


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    """A fresh upload directory (not yet created) for this test."""
    directory = tmp_path / "evidence" / "store"
    monkeypatch.setitem(app.config, "HOTLINE_UPLOAD_DIR", str(directory))
    return directory


def _files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


def test_store_writes_a_private_file_under_a_random_name(app, store, upload_dir, case_id, officer):
    from hotline.cases.models import Attachment
    from hotline.core.models import AuditEvent

    with app.app_context():
        attachment = store(PDF, "证据.pdf", description="  现场照片  ")
        db.session.commit()
        row = db.session.get(Attachment, attachment.id)
        assert (row.case_id, row.original_name, row.size, row.content_type, row.description) == (
            case_id, "证据.pdf", len(PDF), "application/pdf", "现场照片")
        assert row.uploaded_by_id == officer.id
        assert re.fullmatch(r"[0-9a-f]{32}", row.stored_name)
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.object_type == "attachment"))
        assert (event.action, event.object_id, event.region_code) == ("upload", row.id, "430100")
        stored_name = row.stored_name
    assert [p.name for p in _files(upload_dir)] == [stored_name]
    assert (upload_dir / stored_name).read_bytes() == PDF
    assert oct(upload_dir.stat().st_mode & 0o777) == oct(0o700)
    assert oct((upload_dir / stored_name).stat().st_mode & 0o777) == oct(0o600)


def test_two_uploads_of_the_same_file_get_different_names(app, store, upload_dir):
    with app.app_context():
        first, second = store(PDF), store(PDF)
        db.session.commit()
        assert first.stored_name != second.stored_name
        assert first.sha256 == second.sha256
    assert len(_files(upload_dir)) == 2


@pytest.mark.parametrize(("data", "name", "field", "words"), [
    (b"", "a.pdf", "file", "empty"),
    (PDF, "a.exe", "file", "content is a PDF"),
    (b"<html></html>", "a.pdf", "file", "Web pages"),
    (PDF, "a.pdf", "description", "500"),
])
def test_refused_files_leave_nothing_behind(app, store, upload_dir, data, name, field, words):
    with app.app_context(), pytest.raises(ValidationFailed) as excinfo:
        store(data, name, description="长" * 501 if field == "description" else None)
    assert list(excinfo.value.errors) == [field]
    assert words in excinfo.value.errors[field][0]
    assert _files(upload_dir) == []


def test_the_size_limit_is_the_apps_upload_limit(app, store, upload_dir, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", len(PDF))
    with app.app_context():
        store(PDF)  # exactly at the limit
        with pytest.raises(ValidationFailed) as excinfo:
            store(PDF + b" ")
        db.session.commit()
    assert excinfo.value.errors["file"] == [f"The file is larger than the limit of {len(PDF)} bytes."]
    assert len(_files(upload_dir)) == 1


def test_a_missing_file_is_a_field_error(app, officer, case_id):
    from hotline.accounts.models import User
    from hotline.cases.models import Case

    with app.app_context(), pytest.raises(ValidationFailed) as excinfo:
        att.store_attachment(db.session.get(Case, case_id), None, description=None,
                             actor=db.session.get(User, officer.id))
    assert excinfo.value.errors == {"file": ["Choose a file to upload."]}


def test_a_failed_flush_removes_the_file(app, store, upload_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("database refused the row")

    with app.app_context():
        monkeypatch.setattr(db.session, "flush", refuse)
        with pytest.raises(RuntimeError):
            store(PDF)
        monkeypatch.undo()
        db.session.rollback()
    assert _files(upload_dir) == []


def test_a_rolled_back_or_abandoned_upload_removes_the_file(app, store, upload_dir):
    from hotline.cases.models import Attachment

    with app.app_context():
        store(PDF)
        assert len(_files(upload_dir)) == 1
        db.session.rollback()
        assert _files(upload_dir) == []
        store(PDF)
    # The app context ended without a commit (e.g. an error after the upload): the file goes with the row.
    assert _files(upload_dir) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_a_committed_upload_survives_later_rollbacks(app, store, upload_dir):
    with app.app_context():
        store(PDF)
        db.session.commit()
        db.session.rollback()
    assert len(_files(upload_dir)) == 1


def test_no_temporary_file_remains_when_the_write_fails(app, upload_dir, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(att.os, "replace", broken_replace)
    upload_dir.mkdir(parents=True)
    with pytest.raises(OSError, match="disk full"):
        att._write(upload_dir, PDF)
    assert _files(upload_dir) == []


def test_the_upload_directory_may_not_be_inside_the_static_folder(app, store, monkeypatch):
    monkeypatch.setitem(app.config, "HOTLINE_UPLOAD_DIR", str(Path(app.static_folder) / "uploads"))
    with app.app_context(), pytest.raises(RuntimeError, match="static folder"):
        store(PDF)
    assert not (Path(app.static_folder) / "uploads").exists()


# Serving -------------------------------------------------------------------------------------------------------

def test_open_attachment_serves_a_download_with_protective_headers(app, store, upload_dir):
    with app.test_request_context():
        attachment = store("证据内容".encode(), "笔录.txt")
        response = att.open_attachment(attachment)
        response.direct_passthrough = False
        body = response.get_data()
        response.close()
        db.session.rollback()
    assert body == "证据内容".encode()
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"attachment.txt\"; filename*=UTF-8''%E7%AC%94%E5%BD%95.txt")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"


@pytest.mark.parametrize("stored_name", ["../../../etc/passwd", "", "ABC", "a" * 31])
def test_a_tampered_stored_name_is_404(app, store, upload_dir, stored_name):
    from werkzeug.exceptions import NotFound

    with app.test_request_context():
        attachment = store(PDF)
        attachment.stored_name = stored_name
        with pytest.raises(NotFound):
            att.open_attachment(attachment)
        db.session.rollback()
