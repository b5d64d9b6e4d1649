"""Note ids: the alphabet they are drawn from, and their place in a URI.

An id is 1 to ``MAX_ID_LENGTH`` characters, each a letter, mark, number,
punctuation or symbol (Unicode general categories L, M, N, P and S) other than
``/``, and the whole id is not ``.`` or ``..``. So no control characters (CR,
LF, NUL, DEL, C1), no spaces or other separators, no format characters (bidi
overrides), no surrogates, private-use or unassigned code points. ``/`` would
split the path, and ``.``/``..`` are dot-segments that every URI resolver
removes (RFC 3986 §5.2.4).

Every other character is allowed, ``%``, ``?``, ``#`` and non-ASCII letters
too: ``note_path`` percent-encodes the id's UTF-8 bytes (RFC 3986 §2.1, §2.5)
so the URI in Location names exactly this id (RFC 9110 §10.2.2) and a server
that decodes the path once gets the id back.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

__all__ = ["ID_ALPHABET", "MAX_ID_LENGTH", "id_problem", "note_path"]

MAX_ID_LENGTH = 64
ID_ALPHABET = ("1 to 64 letters, marks, numbers, punctuation or symbols (Unicode categories "
               "L, M, N, P, S) other than '/'; not '.' or '..'")
_CATEGORIES = frozenset("LMNPS")


def id_problem(note_id: object) -> str | None:
    """Why ``note_id`` is not a note id (the 422 entry), or None when it is one."""
    if not isinstance(note_id, str) or not 1 <= len(note_id) <= MAX_ID_LENGTH \
            or note_id in (".", "..") \
            or any(c == "/" or unicodedata.category(c)[0] not in _CATEGORIES for c in note_id):
        return ID_ALPHABET
    return None


def note_path(collection: str, note_id: str) -> str:
    """``collection/id`` with the id percent-encoded: only RFC 3986 unreserved
    characters stay as they are."""
    return f"{collection}/{quote(note_id, safe='')}"
