"""Word clouds of open-text answers: the words the room used, each counted once a participant,
without stop words (English and NHS boilerplate), the words the facilitator hid, or the labels
redaction put in; laid out by the `wordcloud` library and drawn here as escaped SVG text.

The presenter redraws twice a second: a layout is computed only when the counts change (cached
by the counts), with a fixed random state, so the same counts always give the same picture and
an unchanged cloud is the same SVG string (nothing to redraw, nothing to blink)."""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from pcn_data.survey.redaction import EMAIL_LABEL, NAME_LABEL, PCN_LABEL, PHONE_LABEL, PRACTICE_LABEL, redact

# Laid out on a small canvas (the layout's time grows with its pixels: 60 words took 1.3 s at
# 1200x600, a fraction of that here) and drawn as vectors at the projector's size.
WIDTH, HEIGHT = 640, 320
MAX_WORDS = 60
RANDOM_STATE = 7  # fixed: the same counts always give the same layout
# Dark NHS colours, each at least 4.5:1 on white, so every word is readable on the projector.
PALETTE = ("#005EB8", "#003087", "#007F3B", "#330072", "#7C2855", "#425563")
HIDDEN_LABEL = "[hidden]"
# Said in every workshop of the programme, so they would crowd out what the room actually said.
NHS_WORDS = frozenset(
    """
    nhs pcn pcns gp gps practice practices primary care ics icb icbs cd cds clinical director directors
    network networks lancashire cumbria south patient patients service services health
    think feel really lot lots much also get got need needs just will can one
    """.split()
)
_LABELS = re.compile(
    "|".join(re.escape(label) for label in (EMAIL_LABEL, PHONE_LABEL, NAME_LABEL, PRACTICE_LABEL, PCN_LABEL)),
    re.IGNORECASE,
)
# A word: letters (any script), joined by an apostrophe or hyphen ("work-life", "don't"); digits
# and markup characters end a word, so "<script>" gives "script", drawn as text like any word.
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# A web address is not a word the room used: "https", "www" and a domain's parts would crowd the cloud.
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S*", re.IGNORECASE)
_FONT_FALLBACK = "DroidSansMono.ttf"  # shipped inside the wordcloud package
# Arial's metrics (the NHS font, and what the projector's browser draws the words in).
_FONTS = (
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
)


@functools.cache
def stop_words() -> frozenset[str]:
    """Return the one list of words left out of every cloud: English stop words and NHS boilerplate."""
    from wordcloud import STOPWORDS  # imported on first use: it brings matplotlib with it

    english = {w.replace("'", "’") for w in STOPWORDS} | set(STOPWORDS)
    return frozenset(english | NHS_WORDS)


def words(text: str) -> set[str]:
    """Return the distinct cloud words of one answer (lower-case), without stop words or labels."""
    text = _URL.sub(" ", _LABELS.sub(" ", text or ""))
    found = set()
    for w in _WORD.findall(text.lower()):
        w = w.replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        if len(w) > 1 and w not in stop_words():
            found.add(w)
    return found


@functools.lru_cache(maxsize=4096)
def redacted(text: str, known: tuple[str, ...]) -> str:
    """Return an answer redacted as every page shows it (cached: the presenter asks twice a second)."""
    return redact(text, known)


def counts(texts: Iterable[str], hidden: Iterable[str] = ()) -> dict[str, int]:
    """Return how many answers used each word, most used first (then A to Z).

    texts: one answer a participant, already redacted; a word typed three times in one answer
    counts once. hidden: words the facilitator took out of this cloud."""
    out: Counter[str] = Counter()
    for text in texts:
        out.update(words(text))
    for w in hidden:
        out.pop(w.lower(), None)
    return dict(sorted(out.items(), key=lambda item: (-item[1], item[0])))


def mask(text: str, hidden: Iterable[str]) -> str:
    """Return an answer with each hidden word (whole words, any case) replaced by [hidden]."""
    gone = {w.lower() for w in hidden}
    if not gone:
        return text

    def swap(m: re.Match) -> str:
        w = m.group(0).lower().replace("’", "'")
        return HIDDEN_LABEL if w in gone or (w.endswith("'s") and w[:-2] in gone) else m.group(0)

    return _WORD.sub(swap, text)


def is_word(word: str) -> bool:
    """Return True when the text is one word as the cloud counts them."""
    return bool(_WORD.fullmatch(normalise(word)))


def normalise(word: str) -> str:
    """Return a word as the cloud counts it (lower-case, trimmed), to hide or show it."""
    return " ".join(str(word).split()).lower().replace("’", "'")


@functools.lru_cache(maxsize=256)
def _truetype(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


def _font() -> str:
    for path in _FONTS:
        if Path(path).exists():
            return path
    import wordcloud

    return str(Path(wordcloud.__file__).parent / _FONT_FALLBACK)


Placed = tuple[str, int, float, float, float, bool, float]


@functools.lru_cache(maxsize=64)
def layout(items: tuple[tuple[str, int], ...]) -> tuple[Placed, ...]:
    """Return the placed words of a cloud: (word, count, x, y of the baseline, font size,
    vertical, width), laid out by `wordcloud` with a fixed random state.

    items: (word, count) pairs, most used first; the key of the cache."""
    if not items:
        return ()
    from PIL import Image
    from wordcloud import WordCloud

    font_path = _font()
    cloud = WordCloud(
        width=WIDTH,
        height=HEIGHT,
        font_path=font_path,
        random_state=RANDOM_STATE,
        max_words=MAX_WORDS,
        prefer_horizontal=0.9,
        relative_scaling=0.5,
        min_font_size=8,
        max_font_size=HEIGHT // 4,
        margin=4,
        color_func=lambda *args, **kwargs: "#000000",  # colours are ours (PALETTE)
    )
    cloud.generate_from_frequencies(dict(items))
    placed = []
    for (word, _), size, (y, x), orientation, _ in cloud.layout_:
        font = _truetype(font_path, int(size))
        (width, _), (offset_x, offset_y) = font.font.getsize(word)
        ascent, _ = font.getmetrics()
        baseline = ascent - offset_y
        vertical = orientation == Image.ROTATE_90
        # As wordcloud's own to_svg places a word, from the box it found for it.
        bx, by = (x + baseline, y + width) if vertical else (x - offset_x, y + baseline)
        placed.append((word, dict(items)[word], float(bx), float(by), float(size), vertical, float(width)))
    return tuple(placed)


def description(word_counts: dict[str, int]) -> str:
    """Return the words of a cloud in a sentence, most used first (the image's text alternative)."""
    if not word_counts:
        return "Word cloud: no words yet."
    top = ", ".join(f"{w} ({n})" for w, n in list(word_counts.items())[:10])
    return f"Word cloud of {len(word_counts)} words. Most used: {top}."


def svg(word_counts: dict[str, int]) -> str:
    """Return the cloud as a standalone SVG document: each word an escaped <text> of its layout's
    size, stretched to the width the layout measured (so any sans-serif font fits the same box).

    The presenter shows it as an image (st.html keeps no inline SVG), where no script can run."""
    # Only the words drawn are the layout's key: a change among the rest needs no new layout.
    drawn = sorted(word_counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_WORDS]
    placed = layout(tuple(drawn))
    parts = [
        f"<svg viewBox='0 0 {WIDTH} {HEIGHT}' width='{WIDTH}' height='{HEIGHT}' "
        "xmlns='http://www.w3.org/2000/svg' "
        "font-family='Arial, \"Liberation Sans\", Helvetica, sans-serif' font-weight='700'>"
    ]
    for i, (word, n, x, y, size, vertical, width) in enumerate(placed):
        turn = " rotate(-90)" if vertical else ""
        parts.append(
            f"<text transform='translate({x:.1f},{y:.1f}){turn}' font-size='{size:.0f}' "
            f"textLength='{width:.1f}' lengthAdjust='spacingAndGlyphs' fill='{PALETTE[i % len(PALETTE)]}' "
            f"data-count='{n}'>{html.escape(word, quote=True)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
