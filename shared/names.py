"""People's names, shown masked where anyone may read them (`张*明`, `张*`), or only by
their first character (`张*`) where even that is more than the reader needs."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """The first character, and the last of a name of three or more; a star for each
    one between. Enough to match a name on paper, too little to learn a stranger's."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def first_character_only(text: str) -> str:
    """The first character and a star (`赵*`, `幸*`): a resident's name or address to those
    who do not serve them, enough to tell records apart and no more."""
    text = text.strip()
    return text[:1] + "*" if text else ""
