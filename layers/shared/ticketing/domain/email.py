"""E-mail addresses as the platform compares and stores them: one spelling per address.

NFKC folds compatibility forms (fullwidth "ｖｉｃｔｉｍ" is "victim"), case folding makes "Ana@X" and
"ana@x" one address. What is left that could pass for another address is refused: invisible characters
(zero-width space, joiners, soft hyphen), combining marks left over after normalising (the dot of a
case-folded Turkish "İ"), and a part of the address that mixes letters of two scripts (a Cyrillic "а"
among Latin letters). A part in one script (an all-Cyrillic domain label, say) is kept.
"""

from __future__ import annotations

import re
import unicodedata

_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Scripts whose letters are written together in one word (Japanese mixes these three).
_SAME_WRITING = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "KATAKANA-HIRAGANA": "CJK", "CJK": "CJK"}


class EmailRefused(ValueError):
    """The text is not an address the platform accepts; the message says why (for a 422)."""


def _script(character: str) -> str:
    name = unicodedata.name(character, "")
    first = name.split(" ", 1)[0]
    return _SAME_WRITING.get(first, first)


def _scripts_of(part: str) -> set[str]:
    return {_script(c) for c in part if unicodedata.category(c).startswith("L")}


def normalise_email(text: str) -> str:
    """The address in its one stored spelling (NFKC, case-folded, trimmed), or EmailRefused."""
    address = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).strip().casefold())
    for character in address:
        category = unicodedata.category(character)
        if category in ("Cf", "Cc", "Zs", "Zl", "Zp"):
            raise EmailRefused("must not contain invisible or control characters")
        if category.startswith("M"):
            raise EmailRefused("must not contain combining marks (a letter and a separate accent or dot)")
    if not _SHAPE.match(address):
        raise EmailRefused("not an e-mail address")
    local, _, domain = address.rpartition("@")
    for part in (local, *domain.split(".")):
        if len(_scripts_of(part)) > 1:
            raise EmailRefused("mixes letters of different scripts (a look-alike of another address)")
    return address


def email_for_lookup(text: str) -> str:
    """The spelling to look an address up by: the stored one, or (for an address that could never have been
    stored) its folded text, which then matches no one."""
    try:
        return normalise_email(text)
    except EmailRefused:
        return unicodedata.normalize("NFKC", text.strip().casefold())
