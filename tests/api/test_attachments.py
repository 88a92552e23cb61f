"""Evidence through the API: upload (type by content, name sanitized, random stored name, size limit) and
download (same bytes, as a download the browser never renders), and hostile uploads refused."""

from __future__ import annotations

import hashlib
import io
import re
import stat
import zipfile
from pathlib import Path

import pytest

from hotline.extensions import db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>",
             "word/document.xml": b"<w:document/>"})


@pytest.fixture
def filed_case(case_api):
    officer = case_api()
    return officer, officer.file(officer.open_case(), filed_on="2015-10-08")


@pytest.fixture
def upload_dir(app):
    return Path(app.config["HOTLINE_UPLOAD_DIR"])


def _stored(upload_dir: Path) -> set[str]:
    return {p.name for p in upload_dir.iterdir()} if upload_dir.exists() else set()


def _download(client, url: str):
    """GET a download and close it (the file handle), keeping status, headers and bytes."""
    response = client.get(url)
    response.body = response.get_data()
    response.close()
    return response


def _upload(client, case, content: bytes, name: str, **form):
    return client.post(f"/api/v1/cases/{case['id']}/attachments",
                       data={"file": (io.BytesIO(content), name), **form})


def test_upload_and_download_a_pdf(app, filed_case, upload_dir, documented):
    officer, case = filed_case
    before = _stored(upload_dir)
    response = _upload(officer, case, PDF, "证据.pdf", description="现场检查笔录 第1页")
    assert response.status_code == 201, response.get_json()
    attachment = documented(response)
    assert (attachment["original_name"], attachment["size"], attachment["content_type"]) == (
        "证据.pdf", len(PDF), "application/pdf")
    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert attachment["description"] == "现场检查笔录 第1页"
    assert response.headers["Location"] == attachment["url"]

    # Stored under a random name in the upload directory (private), never under the static folder.
    new = _stored(upload_dir) - before
    assert len(new) == 1
    stored_name = new.pop()
    assert re.fullmatch(r"[0-9a-f]{32}", stored_name)
    stored = upload_dir / stored_name
    assert stored.read_bytes() == PDF
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(upload_dir.stat().st_mode) == 0o700
    static = Path(app.static_folder).resolve()
    assert not stored.resolve().is_relative_to(static)
    assert not any(p.name == stored_name for p in static.rglob("*"))
    assert app.test_client().get(f"/static/{stored_name}").status_code == 404

    download = _download(officer, attachment["url"])
    assert download.status_code == 200
    assert download.body == PDF
    headers = download.headers
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == ("attachment; filename=\"attachment.pdf\"; "
                                              "filename*=UTF-8''%E8%AF%81%E6%8D%AE.pdf")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"

    listed = officer.read(case["id"])["attachments"]
    assert listed == [attachment]


def test_the_upload_is_audited(app, filed_case):
    from hotline.core.models import AuditEvent

    officer, case = filed_case
    attachment = _upload(officer, case, PDF, "a.pdf").get_json()
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.object_type == "attachment",
                                                              AuditEvent.object_id == attachment["id"]))
        assert (event.action, event.region_code, event.changes["sha256"][1], event.changes["case_id"][1]) == (
            "upload", "430100", attachment["sha256"], case["id"])


def test_a_supervisor_uploads_too_and_evidence_can_come_before_filing(crew, case_api):
    supervisor = case_api(crew.supervisor)
    case = supervisor.open_case()
    response = _upload(supervisor, case, PNG, "现场照片.PNG")
    assert response.status_code == 201
    assert response.get_json()["content_type"] == "image/png"


@pytest.mark.parametrize(("content", "name", "content_type", "served"), [
    ("举报人提供的聊天记录\n2015-10-01 对方称可以提供专利证书\n".encode(), "聊天记录.txt", "text/plain",
     "text/plain; charset=utf-8"),
    (DOCX, "询问笔录.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "photo.jpeg", "image/jpeg", None),
    (b"ID3\x03\x00\x00\x00\x00\x00\x0f" + b"\x00" * 20, "录音.mp3", "audio/mpeg", None),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video.mp4", "video/mp4", None),
])
def test_accepted_types_are_served_as_detected(filed_case, content, name, content_type, served):
    officer, case = filed_case
    response = _upload(officer, case, content, name)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content_type"] == content_type
    download = _download(officer, response.get_json()["url"])
    assert download.headers["Content-Type"] == (served or content_type)
    assert download.body == content


@pytest.mark.parametrize(("name", "shown"), [
    ("../../etc/passwd", "passwd"),
    ("/var/www/static/x.pdf", "x.pdf"),
    ("evil.html\x00.pdf", "evil.html.pdf"),
    ("\u202efdp.exe.pdf", "fdp.exe.pdf"),  # no right-to-left override to disguise the name
    ("证据 (1).pdf", "证据 (1).pdf"),
    ("..", "attachment.pdf"),
    ("", "attachment.pdf"),
])
def test_hostile_names_are_sanitized_for_display_only(filed_case, upload_dir, name, shown):
    officer, case = filed_case
    before = _stored(upload_dir)
    content = b"plain text evidence" if name == "../../etc/passwd" else PDF
    response = _upload(officer, case, content, name)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["original_name"] == shown
    new = _stored(upload_dir) - before
    assert len(new) == 1 and re.fullmatch(r"[0-9a-f]{32}", new.pop())
    assert not Path("/etc/passwd").read_bytes().startswith(b"plain text evidence")


def test_a_long_name_is_cut_to_255_characters_keeping_the_extension(filed_case):
    officer, case = filed_case
    response = _upload(officer, case, PDF, "证" * 300 + ".pdf")
    assert response.status_code == 201
    name = response.get_json()["original_name"]
    assert len(name) == 255
    assert name.endswith("证.pdf")


@pytest.mark.parametrize(("content", "name", "message"), [
    (HTML, "judgment.pdf", "Web pages"),
    (HTML, "page.html", "Web pages"),
    (b"\n  <html><body>hi</body></html>", "notes.txt", "Web pages"),
    (SVG, "photo.png", "Web pages"),
    (b'<?xml version="1.0"?><svg/>', "image.svg", "Web pages"),
    (ELF, "evidence.pdf", "Linux program"),
    (PE, "evidence.pdf", "Windows program"),
    (PE, "setup.exe", "Windows program"),
    (b"#!/bin/sh\nrm -rf /\n", "run.txt", "script"),
    (PDF, "evidence.exe", "content is a PDF"),
    (PDF, "evidence.html", "content is a PDF"),
    (PNG, "photo.jpg", "content is a PNG"),
    (DOCX, "book.xlsx", "content is a Word document"),
    (_zip({"a.txt": b"hello"}), "archive.zip", "ZIP archives"),
    (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>", "word/vbaProject.bin": b"\x00"}),
     "macro.docx", "macros"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "x.gz", "compressed archive"),
    ("中文证据".encode("gbk") + b"\xfe\xff", "gbk.txt", "UTF-8"),
    (b"text with a NUL \x00 byte", "bin.txt", "not accepted"),
    (b"", "empty.pdf", "The file is empty."),
])
def test_hostile_and_unsupported_files_are_refused(filed_case, upload_dir, content, name, message):
    officer, case = filed_case
    before = _stored(upload_dir)
    response = _upload(officer, case, content, name)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert list(body["errors"]) == ["file"]
    assert message in body["errors"]["file"][0]
    assert _stored(upload_dir) == before, "nothing is written for a refused file"
    assert officer.read(case["id"])["attachments"] == []


def test_a_file_over_the_limit_is_refused(app, filed_case, upload_dir, monkeypatch):
    officer, case = filed_case
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    before = _stored(upload_dir)
    response = _upload(officer, case, PDF + b"0" * 5000, "big.pdf")
    assert response.status_code == 413
    assert response.get_json()["error"] == "Request Entity Too Large"
    assert _stored(upload_dir) == before
    assert _upload(officer, case, PDF, "small.pdf").status_code == 201


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"data": {"description": "no file"}}, "body"),  # not even multipart
    ({"data": {"file": (io.BytesIO(b""), ""), "description": "no file chosen"}}, "file"),
    ({"data": {"file": (io.BytesIO(PDF), "a.pdf"), "colour": "red"}}, "colour"),
    ({"data": {"file": (io.BytesIO(PDF), "a.pdf"), "other": (io.BytesIO(PDF), "b.pdf")}}, "other"),
    ({"data": {"file": [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PDF), "b.pdf")]}}, "file"),
    ({"data": {"file": (io.BytesIO(PDF), "a.pdf"), "description": "长" * 501}}, "description"),
    ({"json": {"file": "JVBERi0="}}, "body"),
])
def test_malformed_uploads_are_422(filed_case, upload_dir, kwargs, field):
    officer, case = filed_case
    before = _stored(upload_dir)
    response = officer.post(f"/api/v1/cases/{case['id']}/attachments", **kwargs)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert _stored(upload_dir) == before


def test_a_tampered_row_is_never_served_as_html(app, filed_case):
    from hotline.cases.models import Attachment

    officer, case = filed_case
    attachment = _upload(officer, case, PDF, "a.pdf").get_json()
    with app.app_context():
        db.session.get(Attachment, attachment["id"]).content_type = "text/html"
        db.session.commit()
    download = _download(officer, attachment["url"])
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_a_missing_stored_file_is_404_not_500(app, filed_case, upload_dir):
    from hotline.cases.models import Attachment

    officer, case = filed_case
    attachment = _upload(officer, case, PDF, "a.pdf").get_json()
    with app.app_context():
        stored_name = db.session.get(Attachment, attachment["id"]).stored_name
    (upload_dir / stored_name).unlink()
    response = officer.get(attachment["url"])
    assert response.status_code == 404
    assert "missing" in response.get_json()["message"]


def test_a_damaged_stored_file_is_a_clear_error_not_a_corrupt_download(app, filed_case, upload_dir):
    from hotline.cases.models import Attachment

    officer, case = filed_case
    attachment = _upload(officer, case, PDF, "a.pdf").get_json()
    with app.app_context():
        stored_name = db.session.get(Attachment, attachment["id"]).stored_name
    (upload_dir / stored_name).write_bytes(PDF.replace(b"Catalog", b"Catalot"))  # same size, other content
    response = _download(officer, attachment["url"])
    assert response.status_code == 500
    assert b"%PDF" not in response.body
    assert "damaged" in response.get_json()["message"]
