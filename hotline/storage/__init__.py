"""Where evidence files live: one interface, three backends chosen by ``STORAGE_URL``.

* ``file:/path`` — a local folder (the embedded default: ``HOTLINE_UPLOAD_DIR``, a flat folder of random names);
* ``db:`` — the database itself, in 1 MiB chunks (the default when ``DATABASE_URL`` is PostgreSQL): every web
  host reaches it, backups hold it, nothing else to run;
* ``s3://bucket?endpoint=http://…&region=…&prefix=…`` — an S3-compatible object store (credentials from the
  environment: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` or any source boto3 reads).

Every backend streams both ways (never a whole file in memory), computes the SHA-256 while writing and checks it
while reading: :func:`Storage.open_verified` hands back a file only after its content matched the expected hash.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, urlsplit

from flask import current_app, has_app_context

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
#: Keys are names the app makes (random hex); nothing a user typed, no directories.
KEY = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$")
#: Above this a file being verified or sent to S3 goes to a temporary file instead of memory.
SPOOL_BYTES = CHUNK_SIZE


class StorageError(RuntimeError):
    """The storage could not do what was asked (unreachable, misconfigured)."""


class FileMissing(StorageError):
    """No file is stored under this key."""


class IntegrityError(StorageError):
    """The stored content does not match its SHA-256: damaged or replaced."""


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY.match(key):
        raise ValueError("invalid storage key")
    return key


class HashingReader:
    """Reads ``source`` in chunks, counting bytes and hashing them on the way."""

    def __init__(self, source: BinaryIO | Iterable[bytes]):
        self._source = source
        self._chunks = None if hasattr(source, "read") else iter(source)
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = CHUNK_SIZE) -> bytes:
        if size is None or size < 0:
            size = CHUNK_SIZE
        data = next(self._chunks, b"") if self._chunks is not None else self._source.read(size)
        if data:
            self.digest.update(data)
            self.size += len(data)
        return data

    def chunks(self) -> Iterator[bytes]:
        """Pieces of exactly CHUNK_SIZE (the last one shorter), whatever sizes the source hands out."""
        buffer = bytearray()
        while data := self.read(CHUNK_SIZE - len(buffer)):
            buffer += data
            if len(buffer) >= CHUNK_SIZE:
                yield bytes(buffer)
                buffer.clear()
        if buffer:
            yield bytes(buffer)

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


class ChunkFile:
    """A read-only file object over an iterator of bytes chunks (for tarfile and boto3, which read files)."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size is None or size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size is None or size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


class Storage(ABC):
    """The interface (every backend implements each abstract method). ``put`` takes a binary file object (or an
    iterable of bytes chunks)."""

    name = "storage"
    #: Writes take part in the SQLAlchemy session's transaction (nothing to remove if it rolls back).
    transactional = False

    def describe(self) -> str:
        return self.name

    @abstractmethod
    def put(self, key: str, source) -> Stored:
        ...

    @abstractmethod
    def open(self, key: str) -> Iterator[bytes]:
        """The stored bytes in chunks, as stored (unchecked). FileMissing if there is none."""
        ...

    @abstractmethod
    def delete(self, key: str) -> None:
        ...

    @abstractmethod
    def exists(self, key: str) -> bool:
        ...

    @abstractmethod
    def list_keys(self) -> Iterator[str]:
        ...

    @abstractmethod
    def size(self, key: str) -> int:
        ...

    def stored_sha256(self, key: str) -> str | None:
        """The SHA-256 recorded when the file was written, where the backend keeps one."""
        return None

    # Built on the above -------------------------------------------------------------------------------------

    def stream(self, key: str, sha256: str | None = None) -> Iterator[bytes]:
        """The bytes in chunks; at the end IntegrityError if they do not match ``sha256`` (or the recorded hash)."""
        expected = sha256 or self.stored_sha256(key)
        digest = hashlib.sha256()
        for chunk in self.open(key):
            digest.update(chunk)
            yield chunk
        if expected and digest.hexdigest() != expected:
            raise IntegrityError(f"stored file {key} does not match its SHA-256")

    def open_verified(self, key: str, sha256: str | None = None):
        """A temporary file holding the content, returned only once it matched ``sha256``: a damaged file is
        refused before a byte of it is sent. Small files stay in memory, larger ones go to a temporary file."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the caller
        try:
            for chunk in self.stream(key, sha256):
                spool.write(chunk)
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        return spool

    def hash_of(self, key: str) -> str:
        digest = hashlib.sha256()
        for chunk in self.open(key):
            digest.update(chunk)
        return digest.hexdigest()


def _default_url(config) -> str:
    uri = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if uri.startswith("postgresql"):
        return "db:"
    return "file:" + str(config["HOTLINE_UPLOAD_DIR"])


def storage_url(config=None) -> str:
    config = config if config is not None else current_app.config
    url = (config.get("STORAGE_URL") or "").strip() or _default_url(config)
    if url == "file:":  # the local folder of HOTLINE_UPLOAD_DIR
        url += str(config["HOTLINE_UPLOAD_DIR"])
    return url


def from_url(url: str, *, static_folder: str | None = None) -> Storage:
    """The backend a ``STORAGE_URL`` names. ValueError for a URL of no known kind."""
    if url == "db:" or url.startswith("db:"):
        from hotline.storage.database import DatabaseStorage

        return DatabaseStorage()
    if url.startswith("file:"):
        from hotline.storage.local import LocalStorage

        path = url[len("file:"):]
        if path.startswith("//"):
            path = path[2:]
        if not path and has_app_context():
            path = str(current_app.config["HOTLINE_UPLOAD_DIR"])
        if not path:
            raise ValueError("file: needs a folder, e.g. file:/var/lib/hotline/evidence")
        return LocalStorage(Path(path), static_folder=static_folder)
    if url.startswith("s3://"):
        from hotline.storage.s3 import S3Storage

        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if not parts.netloc:
            raise ValueError("s3:// needs a bucket, e.g. s3://evidence?endpoint=http://127.0.0.1:9000")
        return S3Storage(parts.netloc, endpoint=query.get("endpoint"), region=query.get("region"),
                         prefix=query.get("prefix", "") or parts.path.lstrip("/"))
    raise ValueError(f"STORAGE_URL must start with db:, file: or s3:// (got {url.split(':', 1)[0]!r})")


def get_storage() -> Storage:
    """The configured backend of the current app (made once per app and URL)."""
    app = current_app._get_current_object()
    url = storage_url(app.config)
    cache = app.extensions.setdefault("hotline_storage", {})
    storage = cache.get(url)
    if storage is None:
        storage = cache[url] = from_url(url, static_folder=app.static_folder)
    return storage


def legacy_storage() -> Storage | None:
    """The local evidence folder of the first release when the configured storage is elsewhere: its files stay
    readable until ``flask storage migrate`` moved them."""
    from hotline.storage.local import LocalStorage

    storage = get_storage()
    folder = Path(current_app.config["HOTLINE_UPLOAD_DIR"])
    if isinstance(storage, LocalStorage) or not folder.is_dir():
        return None
    return LocalStorage(folder, static_folder=current_app.static_folder)
