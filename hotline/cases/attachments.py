"""Evidence files (证据材料): checked by content, stored under a random key in the configured storage
(``hotline.storage``: a local folder outside the static folder, the database, or an S3-compatible store), served
only through an authorized route as a download that browsers will not render, after its SHA-256 matched.

``store_attachment`` and ``open_attachment`` are shared by the API and the web UI; the caller loads the case
within the user's region and checks the role, and commits.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import Response, abort, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import InternalServerError, ServiceUnavailable

from hotline.cases.models import Attachment, Case
from hotline.core.audit import record_event
from hotline.core.errors import ValidationFailed
from hotline.core.i18n import gettext as _
from hotline.core.text import clean_text
from hotline.extensions import db
from hotline.storage import FileMissing, IntegrityError, StorageError, get_storage, legacy_storage
from hotline.storage.local import LocalStorage

logger = logging.getLogger(__name__)

#: Used when the app sets no MAX_CONTENT_LENGTH.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 500
_STORED_NAME = re.compile(r"^[0-9a-f]{32,64}$")
#: session.info key: files written in the current transaction, removed again if it does not commit.
_PENDING = "hotline_pending_uploads"
#: Bytes per piece of a download's response body.
_SEND_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    content_type: str
    label: str
    extensions: frozenset[str]

    @property
    def default_extension(self) -> str:
        return sorted(self.extensions)[0]


def _kind(content_type: str, label: str, *extensions: str) -> FileKind:
    return FileKind(content_type, label, frozenset(extensions))


PDF = _kind("application/pdf", "PDF", "pdf")
JPEG = _kind("image/jpeg", "JPEG image", "jpg", "jpeg", "jpe", "jfif")
PNG = _kind("image/png", "PNG image", "png")
GIF = _kind("image/gif", "GIF image", "gif")
WEBP = _kind("image/webp", "WEBP image", "webp")
DOCX = _kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document", "docx")
XLSX = _kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook", "xlsx")
PPTX = _kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint file", "pptx")
DOC = _kind("application/msword", "Word 97-2003 document", "doc")
XLS = _kind("application/vnd.ms-excel", "Excel 97-2003 workbook", "xls")
TEXT = _kind("text/plain", "plain text", "txt", "text", "csv", "log")
MP3 = _kind("audio/mpeg", "MP3 audio", "mp3")
WAV = _kind("audio/wav", "WAV audio", "wav")
MP4 = _kind("video/mp4", "MP4 video", "mp4", "m4v", "m4a")

KINDS = (PDF, JPEG, PNG, GIF, WEBP, DOCX, XLSX, PPTX, DOC, XLS, TEXT, MP3, WAV, MP4)
ALLOWED_CONTENT_TYPES = frozenset(k.content_type for k in KINDS)
ALLOWED_HELP = ("PDF, JPEG, PNG, GIF, WEBP, Word/Excel/PowerPoint (DOCX, XLSX, PPTX, DOC, XLS), UTF-8 text, MP3, "
                "WAV, MP4")


def allowed_help() -> str:
    """ALLOWED_HELP in the current language."""
    return _("PDF, JPEG, PNG, GIF, WEBP, Word/Excel/PowerPoint (DOCX, XLSX, PPTX, DOC, XLS), UTF-8 text, MP3, "
             "WAV, MP4")


def kind_label(kind: FileKind) -> str:
    """``kind.label`` in the current language."""
    labels = {
        PDF: "PDF", JPEG: _("JPEG image"), PNG: _("PNG image"), GIF: _("GIF image"), WEBP: _("WEBP image"),
        DOCX: _("Word document"), XLSX: _("Excel workbook"), PPTX: _("PowerPoint file"),
        DOC: _("Word 97-2003 document"), XLS: _("Excel 97-2003 workbook"), TEXT: _("plain text"),
        MP3: _("MP3 audio"), WAV: _("WAV audio"), MP4: _("MP4 video"),
    }
    return labels.get(kind, kind.label)

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4A ",
               b"M4VP", b"dash", b"MSNV", b"f4v "}
_OOXML_MAIN_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
#: Markup a browser would render (HTML, SVG, XML): refused even inside a "text" file.
_MARKUP_HINTS = (b"<!doctype", b"<html", b"<script", b"<svg", b"<iframe", b"<body", b"<head", b"<?xml", b"<object",
                 b"<embed", b"<xsl", b"<?php")


class Refused(Exception):
    """Content that is not an accepted evidence type; the message says what it looks like."""


def _refused_label(data: bytes) -> str | None:
    """A readable name for common refused formats."""
    head = data[:16]
    if head.startswith(b"MZ"):
        return _("a Windows program (EXE/DLL)")
    if head.startswith(b"\x7fELF"):
        return _("a Linux program (ELF)")
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
                    b"\xca\xfe\xba\xbe"):
        return _("a macOS program")
    if head.startswith(b"#!"):
        return _("a script")
    if head.startswith((b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh", b"\xfd7zXZ")):
        return _("a compressed archive")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _("a ZIP archive")
    return None


def _is_mp3(data: bytes) -> bool:
    if data.startswith(b"ID3") and len(data) >= 10:
        return True
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0:
        return False
    version, layer = (data[1] >> 3) & 0b11, (data[1] >> 1) & 0b11
    bitrate, rate = data[2] >> 4, (data[2] >> 2) & 0b11
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 0b1111) and rate != 0b11


def _ooxml(data: bytes) -> FileKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, KeyError, IndexError,
            NotImplementedError, UnicodeDecodeError) as exc:
        raise Refused(_("This ZIP file is damaged or not an Office document.")) from exc
    if "[Content_Types].xml" in names:
        for part, kind in _OOXML_MAIN_PARTS:
            if part in names:
                if any(n.lower().endswith("vbaproject.bin") for n in names):
                    raise Refused(_("Office files with macros are not accepted; save it as a plain .docx/.xlsx/.pptx."))
                return kind
    raise Refused(_("ZIP archives are not accepted; upload the documents themselves."))


def _ole2(data: bytes) -> FileKind:
    # The compound file's directory names its streams in UTF-16: Word keeps "WordDocument", Excel "Workbook"
    # (or "Book" before Excel 97).
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    if "Workbook".encode("utf-16-le") in data or "Book\x00".encode("utf-16-le") in data:
        return XLS
    raise Refused(_("Among the old Office formats only Word (.doc) and Excel (.xls) files are accepted "
                    "(this one is another kind, e.g. an installer, a PowerPoint .ppt or an Outlook message)."))


def _text(data: bytes) -> FileKind:
    if b"\x00" in data:
        raise Refused(_("This file type is not accepted. Accepted: %(accepted)s.", accepted=allowed_help()))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(_("This file type is not accepted (text must be UTF-8). Accepted: %(accepted)s.",
                        accepted=allowed_help())) from None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text[:4096]):
        raise Refused(_("This file type is not accepted. Accepted: %(accepted)s.", accepted=allowed_help()))
    head = text[:1024].lstrip().lower().encode("utf-8")
    if head.startswith(b"<") or any(hint in head for hint in _MARKUP_HINTS):
        raise Refused(_("Web pages, SVG and other markup (HTML, XML) are not accepted; print the page to PDF instead."))
    if head.startswith(b"#!"):
        raise Refused(_("Scripts are not accepted."))
    return TEXT


def detect_kind(data: bytes) -> FileKind:
    """The evidence type of ``data`` by its content (magic bytes); Refused for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return WAV
    if data[4:8] == b"ftyp" and data[8:12] in _MP4_BRANDS:
        return MP4
    if data.startswith(_OLE2):
        return _ole2(data)
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    if _is_mp3(data):
        return MP3
    label = _refused_label(data)
    if label:
        raise Refused(_("This file is %(what)s; it is not accepted. Accepted: %(accepted)s.", what=label,
                        accepted=allowed_help()))
    return _text(data)


def display_name(raw: str | None, kind: FileKind | None = None) -> str:
    """The original name made safe to show: no directories, no control or invisible format characters (NUL,
    right-to-left overrides), at most 255 characters with the extension kept; Unicode stays (证据.pdf)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") or ch == "\u200d")
    name = " ".join(name.split()).strip(" .")
    if not name:
        name = "attachment." + (kind.default_extension if kind else "bin")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 16:
            name = stem[:MAX_NAME_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def _extension(name: str) -> str | None:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else None


def upload_dir() -> Path:
    """The local evidence folder (created 0700): the configured ``file:`` storage's, else HOTLINE_UPLOAD_DIR (where
    the first release kept evidence). Refuses a folder inside the static folder."""
    storage = get_storage()
    if isinstance(storage, LocalStorage):
        return storage.directory()
    return LocalStorage(Path(current_app.config["HOTLINE_UPLOAD_DIR"]), static_folder=current_app.static_folder
                        ).directory()


def _write(directory: Path, data: bytes) -> Path:
    """Write ``data`` under a new random name in a local folder; a crash midway leaves at most a temporary file,
    never a half one under a real name."""
    key = secrets.token_hex(16)
    LocalStorage(directory).put(key, io.BytesIO(data))
    return directory / key


def _field_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"file": [message]})


def store_attachment(case: Case, file_storage, *, description: str | None, actor) -> Attachment:
    """Check, store and record an evidence file for ``case``; returns the flushed Attachment.

    Raises ValidationFailed ``{"file": [...]}`` for a missing, empty, oversize or refused file (and
    ``{"description": [...]}`` for a too long description). If the transaction does not commit, the stored file
    is removed again.
    """
    if file_storage is None or not hasattr(file_storage, "stream"):
        raise _field_error(_("Choose a file to upload."))
    description = clean_text(description, multiline=True) if isinstance(description, str) else None
    if description and len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed(_("Description too long."),
                               {"description": [_("At most %(limit)d characters.", limit=MAX_DESCRIPTION_LENGTH)]})
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_BYTES
    data = file_storage.stream.read(limit + 1)
    if not data:
        raise _field_error(_("The file is empty."))
    if len(data) > limit:
        raise _field_error(_("The file is larger than the limit of %(limit)s.", limit=_size_text(limit)))
    try:
        kind = detect_kind(data)
    except Refused as exc:
        raise _field_error(str(exc)) from None
    name = display_name(file_storage.filename, kind)
    extension = _extension(name)
    if extension is not None and extension not in kind.extensions:
        raise _field_error(_("The name ends in .%(extension)s but the content is a %(kind)s (.%(default)s); "
                             "rename the file or upload the right one.", extension=extension, kind=kind_label(kind),
                             default=kind.default_extension))
    digest = hashlib.sha256(data).hexdigest()
    storage = get_storage()
    key = secrets.token_hex(16)
    try:
        stored = storage.put(key, io.BytesIO(data))
    except StorageError as exc:
        logger.error("attachment for case %s not stored: %s", case.id, exc)
        raise StorageUnavailable() from None
    if stored.sha256 != digest or stored.size != len(data):
        storage.delete(key)
        raise RuntimeError("the storage wrote other content than it was given")
    attachment = Attachment(case_id=case.id, original_name=name, stored_name=key,
                            content_type=kind.content_type, size=len(data), sha256=digest,
                            description=description, uploaded_by_id=getattr(actor, "id", None))
    try:
        db.session.add(attachment)
        db.session.flush()
    except BaseException:
        if not storage.transactional:
            storage.delete(key)
        raise
    if not storage.transactional:  # the database backend's chunks go with the transaction by themselves
        db.session.info.setdefault(_PENDING, []).append((storage, key))
    record_event(attachment, "upload", actor, {
        "case_id": (None, case.id), "original_name": (None, name), "size": (None, len(data)),
        "content_type": (None, kind.content_type), "sha256": (None, digest)}, region_code=case.region_code)
    logger.info("attachment %s stored for case %s (%s bytes, %s)", attachment.id, case.id, len(data),
                kind.content_type)
    return attachment


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return _("%(size)d bytes", size=size)


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the UTF-8 name per RFC 5987 / RFC 6266."""
    extension = _extension(name)
    stem = name[:-len(extension) - 1] if extension else name

    def ascii_only(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^A-Za-z0-9._ ()-]", "_", text).strip(" ._")

    fallback = ascii_only(stem) or "attachment"
    if extension and ascii_only(extension):
        fallback += "." + ascii_only(extension)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class StoredFileDamaged(InternalServerError):
    """The stored content no longer matches the SHA-256 taken at upload: said plainly, never sent."""

    show_description = True


class StorageUnavailable(ServiceUnavailable):
    show_description = True

    def __init__(self):
        super().__init__(description=_("The evidence storage is unavailable; retry shortly."))


def _verified_content(attachment: Attachment):
    """The stored content, checked against the attachment's SHA-256 (the configured storage first, then the first
    release's local folder for files not yet migrated)."""
    places = [get_storage()]
    legacy = legacy_storage()
    if legacy is not None:
        places.append(legacy)
    for storage in places:
        try:
            return storage.open_verified(attachment.stored_name, attachment.sha256)
        except FileMissing:
            continue
        except IntegrityError:
            logger.error("attachment %s: stored file in %s does not match its SHA-256", attachment.id, storage.name)
            raise StoredFileDamaged(description=_(
                "The stored file of this attachment is damaged (it no longer matches the checksum taken at "
                "upload), so it is not sent; ask an administrator to restore it from a backup.")) from None
        except StorageError as exc:
            logger.error("attachment %s: storage %s unavailable (%s)", attachment.id, storage.name,
                         type(exc.__cause__ or exc).__name__)
            raise StorageUnavailable() from None
    logger.error("attachment %s: stored file is missing", attachment.id)
    abort(404, description=_("The stored file of this attachment is missing; ask an administrator."))


def open_attachment(attachment: Attachment):
    """The stored file as a download: the detected type (never HTML), attachment disposition, no sniffing,
    no caching, and a sandboxing CSP in case a browser renders it anyway.

    The content is checked against its SHA-256 before the first byte is sent (a damaged file is a clear error,
    not a corrupt download), then streamed from a temporary copy by a response generator.
    """
    if not _STORED_NAME.match(attachment.stored_name or ""):
        abort(404)
    content = _verified_content(attachment)
    length = content.seek(0, os.SEEK_END)
    content.seek(0)

    def body():
        try:
            while chunk := content.read(_SEND_CHUNK):
                yield chunk
        finally:
            content.close()

    content_type = attachment.content_type if attachment.content_type in ALLOWED_CONTENT_TYPES else None
    response = Response(body(), mimetype=content_type or "application/octet-stream", direct_passthrough=True)
    response.call_on_close(content.close)
    response.headers["Content-Length"] = str(length)
    if content_type == TEXT.content_type:
        response.headers["Content-Type"] = "text/plain; charset=utf-8"  # stored text is checked to be UTF-8
    response.headers["Content-Disposition"] = content_disposition(attachment.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# Files written in a transaction that does not commit are removed (the row they belong to is gone). ----------

@event.listens_for(Session, "after_commit")
def _uploads_committed(session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _uploads_abandoned(session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    for storage, key in session.info.pop(_PENDING, ()):
        try:
            storage.delete(key)
            logger.info("removed an upload whose transaction did not commit")
        except Exception:  # noqa: BLE001 - an orphan file is harmless; the rollback must go on
            logger.warning("could not remove an upload whose transaction did not commit (%s)", storage.name)
