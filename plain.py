"""Text from people is text: escape anything a participant, respondent, import or URL supplied
before it reaches a page element that reads HTML or markdown.

    st.html(f"<div class='x'>{plain.html(answer)}</div>")
    st.markdown(f"**{plain.md(place_name)}**")

Both also drop the Unicode bidirectional controls (U+202A-U+202E, U+2066-U+2069), which would
otherwise let a line of text reverse or reorder the page's own words after it.
"""

from __future__ import annotations

import html as _html
import re
import string

_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# CommonMark renders a backslash followed by any ASCII punctuation as that character, literally:
# escaping every one of them leaves no link, image, emphasis, heading, list, code, HTML tag,
# autolink, or Streamlit directive (:red[...], :material/...:, $maths$) for markdown to find.
_MD_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
# Streamlit's markdown also turns bare web addresses into links (GitHub's "autolink literals"),
# after escapes are resolved: an invisible word joiner (U+2060) where such a link would start
# keeps "http://…" and "www.…" as plain text. (An email still becomes a mailto: link to the
# address it shows; the signed-in person's own address is shown that way.)
_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)", re.IGNORECASE)


def clean(text: object) -> str:
    """Return text as a string without bidirectional control characters."""
    return _BIDI.sub("", "" if text is None else str(text))


def html(text: object) -> str:
    """Return text escaped for an HTML sink (st.html, unsafe_allow_html)."""
    return _html.escape(clean(text), quote=True)


def md(text: object) -> str:
    """Return text escaped for a markdown sink (st.markdown, captions, alerts, toasts, labels)."""
    return _MD_PUNCTUATION.sub(r"\\\1", _AUTOLINK.sub(_JOINER, clean(text)))
