"""The database backend's tables: one row per file (size, SHA-256) and its content in 1 MiB chunks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.core.types import UTCDateTime, utcnow
from hotline.extensions import db


class StoredFile(db.Model):
    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    #: Computed while the chunks were written; checked on every read.
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    chunk_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class StoredFileChunk(db.Model):
    __tablename__ = "stored_file_chunks"

    key: Mapped[str] = mapped_column(String(128), ForeignKey("stored_files.key", ondelete="CASCADE"),
                                     primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
