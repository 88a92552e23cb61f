"""The database as file storage: a ``stored_files`` row per file, its content in ``stored_file_chunks`` (1 MiB
each). Writes go through the caller's session, so a file is stored exactly when the transaction that records it
commits; reads fetch one chunk per query, so neither direction holds a whole file in memory."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from hotline.core.types import utcnow
from hotline.extensions import db
from hotline.storage import FileMissing, HashingReader, Storage, Stored, check_key
from hotline.storage.models import StoredFile, StoredFileChunk

FILES = StoredFile.__table__
CHUNKS = StoredFileChunk.__table__


class DatabaseStorage(Storage):
    name = "db"
    transactional = True

    def describe(self) -> str:
        return "db:"

    def put(self, key: str, source) -> Stored:
        check_key(key)
        session = db.session
        self.delete(key)
        session.execute(sa.insert(FILES).values(key=key, size=0, sha256="", chunk_count=0, created_at=utcnow()))
        reader = HashingReader(source)
        seq = 0
        for chunk in reader.chunks():
            session.execute(sa.insert(CHUNKS).values(key=key, seq=seq, data=chunk))
            seq += 1
        session.execute(sa.update(FILES).where(FILES.c.key == key)
                        .values(size=reader.size, sha256=reader.sha256, chunk_count=seq))
        return Stored(key, reader.size, reader.sha256)

    def _row(self, key: str):
        row = db.session.execute(sa.select(FILES.c.size, FILES.c.sha256, FILES.c.chunk_count)
                                 .where(FILES.c.key == check_key(key))).first()
        if row is None:
            raise FileMissing(key)
        return row

    def open(self, key: str) -> Iterator[bytes]:
        row = self._row(key)
        return self._chunks(key, row.chunk_count)

    @staticmethod
    def _chunks(key: str, count: int) -> Iterator[bytes]:
        query = sa.select(CHUNKS.c.data).where(CHUNKS.c.key == key, CHUNKS.c.seq == sa.bindparam("seq"))
        for seq in range(count):
            data = db.session.execute(query, {"seq": seq}).scalar()
            if data is None:
                # A chunk gone missing: the content cannot match its hash; say so rather than send a short file.
                from hotline.storage import IntegrityError

                raise IntegrityError(f"stored file {key} lacks chunk {seq}")
            yield bytes(data)

    def delete(self, key: str) -> None:
        check_key(key)
        db.session.execute(sa.delete(CHUNKS).where(CHUNKS.c.key == key))
        db.session.execute(sa.delete(FILES).where(FILES.c.key == key))

    def exists(self, key: str) -> bool:
        return db.session.execute(sa.select(FILES.c.key).where(FILES.c.key == check_key(key))).first() is not None

    def list_keys(self) -> Iterator[str]:
        last = ""
        while True:  # in pages, so a long listing holds no transaction-wide cursor
            page = list(db.session.scalars(sa.select(FILES.c.key).where(FILES.c.key > last)
                                           .order_by(FILES.c.key).limit(1000)))
            yield from page
            if len(page) < 1000:
                return
            last = page[-1]

    def size(self, key: str) -> int:
        return self._row(key).size

    def stored_sha256(self, key: str) -> str | None:
        return self._row(key).sha256 or None
