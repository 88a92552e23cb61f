"""A local folder: flat, one file per key (the layout of the first release's evidence folder), 0700/0600."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hotline.storage import CHUNK_SIZE, KEY, FileMissing, HashingReader, Storage, Stored, check_key


class LocalStorage(Storage):
    name = "file"

    def __init__(self, root: Path, *, static_folder: str | None = None):
        self.root = Path(root)
        self.static_folder = static_folder

    def describe(self) -> str:
        return f"file:{self.root}"

    def directory(self) -> Path:
        """The folder (created 0700). Refuses a folder inside the static folder."""
        directory = self.root.resolve()
        if self.static_folder and directory.is_relative_to(Path(self.static_folder).resolve()):
            raise RuntimeError("HOTLINE_UPLOAD_DIR must not be inside the static folder: evidence is served only "
                               "through the authorized download route.")
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return directory

    def path(self, key: str) -> Path:
        return self.root.resolve() / check_key(key)

    def put(self, key: str, source) -> Stored:
        """Write under a temporary name, fsync, then rename: a crash midway never leaves a half file under a key."""
        directory = self.directory()
        final = directory / check_key(key)
        reader = HashingReader(source)
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in reader.chunks():
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, 0o600)
            os.replace(tmp_name, final)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return Stored(key, reader.size, reader.sha256)

    def open(self, key: str) -> Iterator[bytes]:
        path = self.path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise FileMissing(key) from None
        return self._chunks(handle)

    @staticmethod
    def _chunks(handle) -> Iterator[bytes]:
        with handle:
            while data := handle.read(CHUNK_SIZE):
                yield data

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list_keys(self) -> Iterator[str]:
        root = self.root.resolve()
        if not root.is_dir():
            return
        for path in sorted(root.iterdir()):
            if path.is_file() and KEY.match(path.name) and not path.name.startswith("."):
                yield path.name

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise FileMissing(key) from None
