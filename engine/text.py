"""Text helpers shared by the engine: the one diacritics fold every search uses."""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


def fold(text: str | None) -> str:
    """Lower case without Vietnamese diacritics, spaces collapsed: 'Trợ cấp  THỜ CÚNG' -> 'tro cap tho cung'.

    ``đ``/``Đ`` become ``d`` (they are letters, not accented ones); ``None`` folds to ``""``.
    """
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.casefold().split())
