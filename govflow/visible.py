"""Characters a reader cannot see, shown as escapes wherever govflow displays a name it did not write: pages,
charts and the terminal. A model called `rtl\\u202egnp.exe` must not read as "rtlexe.png" (a right-to-left
override, CVE-2021-42574's "Trojan Source" in a name), nor two models look alike through a zero-width space.
Sits under everything, beside the redaction of secrets."""

from __future__ import annotations

import unicodedata

# Format characters (bidi embeddings, overrides and isolates, zero-width joiners and spaces, the BOM), line and
# paragraph separators, and control characters other than a newline and a tab.
_HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp", "Co", "Cs", "Cn"})


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def shown(text: str, keep: str = "\n\t") -> str:
    """The text with every invisible or direction-changing character written as a visible `\\uXXXX` escape;
    characters in `keep` stay as they are."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape(ch) if ch not in keep and unicodedata.category(ch) in _HIDDEN_CATEGORIES else ch
                   for ch in text)


def html_text(text: object, quote: bool = True) -> str:
    """`html.escape` of the text once its hidden characters are shown: for HTML and SVG built by hand."""
    import html

    return html.escape(shown(str(text)), quote=quote)
