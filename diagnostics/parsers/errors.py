"""The two ways a parser says no.

"Not mine" (the text is another kind of input) moves on quietly; "mine but
malformed" (a YAML alias bomb, a 5,000-deep literal) becomes a message the
user sees, because silence there would look like "nothing wrong".
"""

from __future__ import annotations


class NotMine(Exception):
    """This input is another kind than the parser reads: move on quietly (not an error)."""


class PasteError(ValueError):
    """The paste as a whole cannot be analysed (empty, binary, too large)."""


class MalformedPaste(ValueError):
    """One region is of a kind we parse, but broken or hostile; reported as a notice."""
