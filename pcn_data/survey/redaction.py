"""Redaction of free text: emails, phone numbers, personal names, practice names and PCN names
are replaced by a bracketed label before any comment or answer is shown or exported.

- Phone numbers: Google's libphonenumber (`phonenumbers`), every UK and international format,
  plus a fallback for long digit runs that the library finds impossible (an extra digit typed).
- Personal names: a title in any case ("Dr", "dr", "DR", "Prof.") and the name after it; and
  names without a title, found by token lookups in the given-name and surname lists that Faker
  (a maintained package, MIT licence) ships for its English-speaking locales, Irish and Polish.
  Names are redacted whole: McDonald, O'Brien, Anne-Marie.
- Practice names: up to three words before Surgery, Medical Centre, Health Centre, Practice...
- PCN names: the names the database holds (`known_names`), in any case, and any "Something PCN".
- Words that must survive ("Mental Health Act", "Primary Care", "the May meeting", "Morecambe
  Bay", "ICS") are kept by a list of common English words (Faker's) and of NHS and place words.

Everything is matched token by token with set lookups; the only regular expressions are a few
small compiled ones. Nothing is downloaded: the lists ship inside the installed packages.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Digit runs that look like a phone number but that libphonenumber rejects (too long, or a
# mistyped area code): a + or 0, then 9 or more digits with spaces, dots, dashes or brackets.
LONG_NUMBER = re.compile(r"(?:\+|(?<![\w.])\(?0)[\d\s().\-]{7,}\d")
TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# Between the words of one name: spaces only (a comma, a full stop or a line ends the name).
_SPACE = re.compile(r"[ \t\u00a0]+")
# Between a title or an initial and the next word: an optional full stop, then spaces.
_DOT_SPACE = re.compile(r"\.?[ \t\u00a0]+")

EMAIL_LABEL, PHONE_LABEL = "[email]", "[phone]"
NAME_LABEL, PRACTICE_LABEL, PCN_LABEL = "[name]", "[practice]", "[PCN]"
# Placeholders while the text is worked on: not letters, so no rule reads them as words.
_EMAIL_MARK, _PHONE_MARK = "\ue000", "\ue001"

TITLES = frozenset(
    "dr doctor mr mrs ms miss mx prof professor sir dame lord lady rev revd reverend cllr "
    "councillor sister nurse".split()
)
# Titles that are also ordinary words: a name must follow them capitalised or from the lists.
_WORD_TITLES = frozenset({"doctor", "sister", "nurse", "miss", "sir", "dame", "lord", "lady"})

PRACTICE_WORDS = (
    ("surgery",),
    ("practice",),
    ("medical", "centre"),
    ("medical", "center"),
    ("health", "centre"),
    ("health", "center"),
    ("medical", "practice"),
    ("group", "practice"),
    ("family", "practice"),
    ("medical", "group"),
)
_PRACTICE_FIRST = frozenset(words[0] for words in PRACTICE_WORDS)

# Words that are never a personal name nor part of one, whatever their case.
FUNCTION_WORDS = frozenset(
    """
    a an the and or but nor if of to in on at by for from with without into onto over under
    about after before between during through across per via than then as so too very also
    just only not no yes i me my mine we us our ours you your yours he him his she her hers it
    its they them their theirs this that these those there here who whom whose which what when
    where why how all any both each every few more most other some such own same can will
    would should could may might must shall do does did done be is are was were been being
    have has had am let lets get got go going make made new old next last first second third
    one two three four five six seven eight nine ten dear hi hello thanks thank please regards
    best kind wishes sincerely
    """.split()
)
CALENDAR_WORDS = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday today tomorrow yesterday week weekend month year spring summer autumn
    winter christmas easter
    """.split()
)
NHS_WORDS = frozenset(
    """
    nhs nhse ics icb icp pcn pcns gp gps cd cds arrs vcse vcfse cqc qof des ces hr it sla mou
    ceo cfo coo md dph ooh bma rcgp lmc lmcs ccg ccgs
    primary secondary tertiary community care health healthcare mental physical social public
    act acts trust trusts foundation hospital hospitals clinic clinics clinical clinician
    clinicians medical medicine medicines doctor doctors nurse nurses nursing pharmacy
    pharmacist pharmacists pharmacies dental dentist dentists optometry optometrist physio
    physiotherapy paramedic paramedics practice practices practitioner practitioners surgery
    surgeries centre centres center centers service services network networks system systems
    board boards group groups team teams partner partners partnership partnerships place places
    neighbourhood neighbourhoods integrated integration integrating director directors lead leads
    leader leaders leadership manager managers management chair chairs committee executive
    officer officers council councils authority authorities local national regional region
    meeting meetings workshop workshops survey surveys funding budget budgets contract
    contracts plan plans strategy strategic operational programme project pilot digital
    online virtual remote staff staffing workforce recruitment training development coaching
    mentoring support time money resource resources role roles vision voice voices
    patients patient population residents people communities public report review
    bill policy guidance standard standards framework maturity matrix royal general family
    branch member members dispensing rural urban neighbouring small large busy big single whole
    main university college school hospice hospices ward wards unit units wing clinic
    """.split()
)
# The places of the ICS and the country: kept as words, but a practice or a PCN may be named
# after one ("Lytham Surgery", "Preston City PCN"), and a person may carry one as a surname.
PLACE_WORDS = frozenset(
    """
    england english british britain uk lancashire cumbria south north east west central coast
    bay fylde pennine morecambe preston chorley blackpool blackburn burnley lancaster kendal
    barrow ormskirk skelmersdale fleetwood lytham wyre darwen hyndburn rossendale pendle ribble
    valley furness wigan liverpool manchester london leeds cumbrian lakes
    """.split()
)
# Street words: part of a practice's name ("Castle Street Surgery"), never of a person's.
STREET_WORDS = frozenset(
    """
    road street lane avenue close drive way court square park gardens crescent terrace hill
    green house hall farm village town city st saint moor bridge mill
    """.split()
)
# Names that are also everyday words: a name when capitalised ("Grace"), a word in lower case.
NAME_LIKE_WORDS = frozenset(
    """
    said sang ring fair rose mark marks sue pat grace faith joy dawn amber ruby frank ray don
    dean earl king bishop miles cliff drew chase hunter carol rob bob penny heather holly ivy iris
    daisy lily robin sky river brook dale glen heath forest wood stone max jack jim jay kay lee
    van von de le del al ben bin da di la san sun star summer will may hope june april august
    bill guy rich art sonny sunny victor major page rusty sandy brandy crystal pearl destiny
    """.split()
)
KEEP_WORDS = FUNCTION_WORDS | CALENDAR_WORDS | NHS_WORDS | PLACE_WORDS | STREET_WORDS


@dataclass(frozen=True)
class _Lists:
    """The word lists, loaded once per process."""

    given: frozenset[str]
    surnames: frozenset[str]
    common: frozenset[str]  # common English words: never a name on their own in lower case


# Faker locales whose names are written in the Latin alphabet and common among NHS staff.
_LOCALES = (
    "en",
    "en_GB",
    "en_IE",
    "en_US",
    "en_IN",
    "en_PK",
    "en_NG",
    "en_KE",
    "en_NZ",
    "ga_IE",
    "pl_PL",
)
_LATIN = re.compile(r"^[^\W\d_]+(?:['’\- ][^\W\d_]+)*$")


def _fold(word: str) -> str:
    """Return a word as the lists hold it: case-folded, with a straight apostrophe."""
    return word.replace("’", "'").casefold()


@functools.cache
def _lists() -> _Lists:
    """Return the given names, surnames and common words, read from the installed packages."""
    given: set[str] = set()
    surnames: set[str] = set()
    for locale in _LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            given.update(_fold(n) for n in getattr(provider, attr, ()) if _LATIN.match(n))
        surnames.update(_fold(n) for n in getattr(provider, "last_names", ()) if _LATIN.match(n))
    lorem = importlib.import_module("faker.providers.lorem.en_US").Provider
    common = {_fold(w) for w in lorem.word_list} | KEEP_WORDS
    return _Lists(frozenset(given - common), frozenset(surnames), frozenset(common | NAME_LIKE_WORDS))


@functools.lru_cache(maxsize=16)
def _known_index(names: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Return the known names as token tuples keyed by their first token, longest first."""
    index: dict[str, set[tuple[str, ...]]] = {}
    for name in names:
        tokens = tuple(_fold(t) for t in TOKEN.findall(name))
        if tokens:
            index.setdefault(tokens[0], set()).add(tokens)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in index.items()}


class _Text:
    """The tokens of a text with their spans, and the spans chosen for redaction."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
        self.words = [text[s:e] for s, e in self.spans]
        self.folded = [_fold(w) for w in self.words]
        self.taken = [False] * len(self.words)
        self.cuts: list[tuple[int, int, str]] = []

    def gap(self, i: int, pattern: re.Pattern = _SPACE) -> bool:
        """Return True if token i + 1 follows token i with only the gap pattern between them."""
        if i + 1 >= len(self.spans):
            return False
        return pattern.fullmatch(self.text, self.spans[i][1], self.spans[i + 1][0]) is not None

    def cut(self, first: int, last: int, label: str) -> None:
        """Redact tokens first..last (inclusive) and the text between them."""
        self.cuts.append((self.spans[first][0], self.spans[last][1], label))
        for k in range(first, last + 1):
            self.taken[k] = True

    def result(self) -> str:
        out, pos = [], 0
        for start, end, label in sorted(self.cuts):
            out += [self.text[pos:start], label]
            pos = end
        out.append(self.text[pos:])
        return "".join(out)


def _capitalised(word: str) -> bool:
    """Return True for 'Smith', 'McDonald', "O'Brien" and 'SMITH', not for 'smith' or 'ICS'."""
    if not word[0].isupper():
        return False
    return not word.isupper() or len(word) > 3


def _bare(folded: str) -> str:
    """Return a folded word without a possessive 's."""
    return folded[:-2] if folded.endswith("'s") else folded


def _is_given(folded: str, lists: _Lists) -> bool:
    bare = _bare(folded)
    return bare in lists.given or ("-" in bare and bare.split("-", 1)[0] in lists.given)


def _known_names(t: _Text, known: dict[str, tuple[tuple[str, ...], ...]]) -> None:
    """Redact the database's PCN names, in any case, longest first."""
    n = len(t.words)
    for i in range(n):
        if t.taken[i]:
            continue
        for name in known.get(t.folded[i], ()):
            last = i + len(name) - 1
            if last < n and tuple(t.folded[i : last + 1]) == name and all(t.gap(k) for k in range(i, last)):
                t.cut(i, last, PCN_LABEL)
                break


def _named_before(t: _Text, end: int, lists: _Lists) -> int:
    """Return the first of up to three words before token `end` that name a practice or PCN
    with it ("Castle Street", "ashton", "Lytham St Annes"), or `end` itself when there are none."""
    first = end
    while first > 0 and end - first < 3 and not t.taken[first - 1] and t.gap(first - 1, _DOT_SPACE):
        word, folded = t.words[first - 1], _bare(t.folded[first - 1])
        if folded in FUNCTION_WORDS or folded in TITLES or folded in CALENDAR_WORDS:
            break
        if folded in NHS_WORDS and folded not in STREET_WORDS:
            break
        if not (folded in STREET_WORDS or folded in PLACE_WORDS or _capitalised(word) or word.isupper()):
            if folded in lists.common:
                break  # "our local surgery", "a dental practice"
        first -= 1
    return first


def _pcns_and_practices(t: _Text, lists: _Lists) -> None:
    """Redact 'Something PCN' and 'Something Surgery / Medical Centre / ...' in any case."""
    n = len(t.words)
    for i in range(n):
        if t.taken[i]:
            continue
        if t.folded[i] == "pcn":
            first = _named_before(t, i, lists)
            if first < i:
                t.cut(first, i, PCN_LABEL)
            continue
        if t.folded[i] not in _PRACTICE_FIRST:
            continue
        for words in PRACTICE_WORDS:
            last = i + len(words) - 1
            if last < n and tuple(t.folded[i : last + 1]) == words and all(t.gap(k) for k in range(i, last)):
                first = _named_before(t, i, lists)
                if first < i:
                    t.cut(first, last, PRACTICE_LABEL)
                break


def _listed(folded: str, lists: _Lists) -> bool:
    """Return True for a word in the given-name or surname lists, or a hyphenated one with a
    part in them ("macdonald-smith")."""
    parts = [folded, *folded.split("-")] if "-" in folded else [folded]
    return any(p in lists.given or p in lists.surnames for p in parts)


def _name_word(t: _Text, k: int, lists: _Lists, after_title: bool = False) -> bool:
    """Return True if token k can be part of a personal name after a title or a given name."""
    word, folded = t.words[k], _bare(t.folded[k])
    if t.taken[k] or folded in TITLES:
        return False
    if len(word) == 1 and word.isupper():
        return True  # an initial
    if _capitalised(word) or (word.isupper() and len(word) > 1):
        if folded not in KEEP_WORDS:
            return True
        if after_title:  # "Mrs Green", "Dr Preston", but not "Dr Who" or "the Dr said"
            return folded not in FUNCTION_WORDS and folded not in NHS_WORDS
        # "Sarah Preston", but not "Victoria Park"
        return folded in lists.surnames and folded not in lists.common and folded not in STREET_WORDS
    return _listed(folded, lists) and folded not in lists.common


PARTICLES = frozenset("van von de der den la le du da di del al bin ben ap".split())


def _particle(t: _Text, k: int, lists: _Lists) -> int:
    """Return how many lower-case particles start at token k before a name word ("van der
    Berg"), or 0."""
    j = k
    while j < len(t.words) and t.folded[j] in PARTICLES and t.words[j].islower() and t.gap(j):
        j += 1
    if j == k or j >= len(t.words) or not _capitalised(t.words[j]) or not _name_word(t, j, lists):
        return 0
    return j - k


def _titled_names(t: _Text, lists: _Lists) -> None:
    """Redact a title in any case, with or without a full stop, and up to three name words."""
    n = len(t.words)
    for i in range(n):
        if t.taken[i] or t.folded[i] not in TITLES:
            continue
        if t.folded[i] in _WORD_TITLES and not t.words[i][0].isupper():
            # "the doctor said", "we miss London": in lower case, a name from the lists must follow.
            nxt = i + 1
            if nxt >= n or not t.gap(i) or t.taken[nxt]:
                continue
            folded = _bare(t.folded[nxt])
            if not _listed(folded, lists) or folded in lists.common:
                continue
        last = i
        while last + 1 < n and last - i < 4 and t.gap(last, _DOT_SPACE):
            if _name_word(t, last + 1, lists, True):
                last += 1
            elif particles := _particle(t, last + 1, lists):
                last += particles + 1
            else:
                break
        if last > i:
            t.cut(i, last, NAME_LABEL)


def _untitled_names(t: _Text, lists: _Lists) -> None:
    """Redact names without a title: a given name from the lists, and the name words after it."""
    n = len(t.words)
    i = 0
    while i < n:
        word, folded = t.words[i], t.folded[i]
        if t.taken[i] or not _is_given(folded, lists):
            i += 1
            continue
        last = i
        if _capitalised(word):
            while last + 1 < n and last - i < 3 and t.gap(last):
                if _capitalised(t.words[last + 1]) and _name_word(t, last + 1, lists):
                    last += 1
                elif particles := _particle(t, last + 1, lists):
                    last += particles + 1
                else:
                    break
            nxt = last + 1
            if last == i and nxt < n and t.gap(i) and _capitalised(t.words[nxt]):
                if t.folded[nxt] in NHS_WORDS or t.folded[nxt] in STREET_WORDS:
                    i += 1
                    continue  # "Victoria Hospital", "Albert Road": a place, not a person
            t.cut(i, last, NAME_LABEL)
        elif i + 1 < n and t.gap(i) and not t.taken[i + 1]:
            # Lower case: only a given name followed by a surname, neither a common word.
            nxt = _bare(t.folded[i + 1])
            if nxt in lists.surnames and nxt not in lists.common and not _capitalised(t.words[i + 1]):
                last = i + 1
                t.cut(i, last, NAME_LABEL)
        i = last + 1


_DIGIT = re.compile(r"\d")


def _digits(text: str) -> int:
    """Return how many digits text has."""
    return len(_DIGIT.findall(text))


def _phones(text: str) -> str:
    """Return text with every phone number replaced by the phone placeholder."""
    if _digits(text) < 7:
        return text
    import phonenumbers

    matches = phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE)
    # POSSIBLE takes a year ("2023") for a local number: a number needs 9 digits, or 7 when it
    # is written as one (a leading 0, + or bracket: "0800 1111").
    numbers = [m for m in matches if _digits(m.raw_string) >= (7 if m.raw_string[0] in "0+(" else 9)]
    for m in reversed(numbers):
        text = text[: m.start] + _PHONE_MARK + text[m.end :]

    def long_number(m: re.Match) -> str:
        return _PHONE_MARK if _digits(m.group()) >= 9 else m.group()

    return LONG_NUMBER.sub(long_number, text)


def known_names(db) -> list[str]:
    """Return the names `redact` needs from a database: every PCN's name, with and without a
    closing "PCN". (The schema holds each PCN's number of practices, not their names: practice
    names are found by their Surgery / Medical Centre / Practice words.)"""
    names = db.query("SELECT name FROM pcn WHERE name IS NOT NULL")["name"].tolist()
    return names + [n[:-4] for n in names if n.upper().endswith(" PCN")]


def redact(text: str, known_names: Iterable[str] = ()) -> str:
    """Return text with emails, phone numbers, personal names, practice names and PCN names
    (the known ones, in any case, and any 'Something PCN') replaced by a bracketed label."""
    if not text:
        return text
    lists = _lists()
    out = EMAIL.sub(_EMAIL_MARK, text)
    out = _phones(out)
    t = _Text(out)
    known = _known_index(tuple(known_names))
    if known:
        _known_names(t, known)
    _pcns_and_practices(t, lists)
    _titled_names(t, lists)
    _untitled_names(t, lists)
    return t.result().replace(_EMAIL_MARK, EMAIL_LABEL).replace(_PHONE_MARK, PHONE_LABEL)
