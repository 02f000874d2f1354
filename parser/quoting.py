"""Where does the new text of a message end? Splits plain text into the new text, its
signature, and the history below it (quoted reply or forwarded message).

Recognised history starts, in every client's style and the corpora's languages:
"On … wrote:" on one or several lines, "-----Original Message-----" and other dashed
banners, Outlook's From/Sent/To/Subject block (also after a line of underscores),
"Begin forwarded message:", and ">"-quoted lines. Signatures: see parser.signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parser import signature

_INTRO = (
    r"on|am|le|el|il|op|den|dnia|w dniu|på|em|vào|no|il giorno|el día|d[ae]n|"
    r"в|у|kun|dne|pe|dana"
)
_VERB = (
    r"wrote|writes|sent|schrieb|schreef|geschreven|skrev|skrivit|a écrit|écrit|escribió|"
    r"escreveu|ha scritto|napisał\(a\)|napisał|napisała|pisze|написал\(а\)|написал|"
    r"написала|đã viết|kirjoitti|írta|yazdı|napsal|a scris|kirjutas|rašė|rakstīja"
)
# Every pattern here runs on one line cut to _LINE characters (no attribution or header
# line is longer) and uses possessive quantifiers where two runs of spaces meet: linear
# on any input, however many spaces, dashes or ">" it holds.
_LINE = 400
# "wrote:"; German "schrieb am Mo., 1. Dez. 2026 um 11:53 Uhr:" (a time inside)
_WROTE = re.compile(
    rf"\b(?:{_VERB})(?!\w)(?:[ \t]++[^\n]{{0,160}}?)?[ \t]*+[:：][ \t]*+$", re.I
)
# "On Mon, 1 Dec 2026, Bob <b@x.com> wrote" with no colon (only straight above a quote)
_WROTE_BARE = re.compile(rf"\b(?:{_VERB})[ \t]*+$", re.I)
# Zoho: "---- On Mon, 01 Dec 2026 10:00:00 +0000 Bob <b@x.com> wrote ----"
_ZOHO = re.compile(
    rf"^[ \t]*+-{{2,}}[ \t]*+(?:{_INTRO})[ \t].{{0,300}}?\b(?:{_VERB})[ \t]*+-{{2,}}[ \t]*+$", re.I
)
_ADDRESS_COLON = re.compile(r"[<＜\[]?[^\s<>@]++@[^\s<>@]++[>＞\]]?[ \t]*+[:：][ \t]*+$")
_INTRO_START = re.compile(rf"^\s*+(?:{_INTRO})\s", re.I)
_DATE_HINT = re.compile(r"\d{1,2}:\d{2}|\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2}")
_SHARED_LINE = re.compile(
    r"^(?P<before>.*?\S)[ \t]*+-*+[ \t]*+(?P<header>\bOn\s.{5,200}\bwrote:)[ \t]*+$"
)
_BANNER = re.compile(r"^\s*+[-_=*]{2,}+\s*+[^-_=*\s][^\n]{1,60}?\s*+[-_=*]{2,}+\s*+$")
_SENTENCE_END = re.compile(r"[.!?…][ \t]*+$")
# a reply command ("Status: working", "ack") is never part of an attribution
_COMMAND_LIKE = re.compile(
    r"^(?:ack\w*|(?:status|severity|sev|owner|steps|type|category|links?|note|account)"
    r"[ \t]*+[:：=].*)$",
    re.I,
)
# What a history banner says ("-----Original Message-----", "---- Bob wrote ----"); any
# other dashed title ("--- Enter Feedback Below ---") is the sender's own text.
_BANNER_WORDS = re.compile(
    r"original|forward|weitergeleitet|message|nachricht|meddelelse|meddelande|mensaje|"
    r"mensagem|messaggio|bericht|wiadomo|zpráva|сообщение|viesti|üzenet|reply|antwort|"
    r"réponse|respuesta|wrote|schrieb|skrev|écrit|escribió|besked|oprindelig|opprinnelig|"
    r"ursprüngliche|originale|originaal|oorspronkelijk",
    re.I,
)
_FORWARD_LINE = re.compile(
    r"^\s*(begin forwarded message|anfang der weitergeleiteten nachricht|début du message "
    r"réexpédié|inizio messaggio inoltrato|comienzo del mensaje reenviado|"
    r"videresendt meddelelse|vidarebefordrat meddelande)[ \t]*+:?[ \t]*+$",
    re.I,
)
_FORWARD_WORDS = re.compile(r"forward|weitergeleitet|transféré|inoltrato|reenviado|videresendt|"
                            r"vidarebefordrat|doorgestuurd|przekazana|пересылаемое", re.I)
_FROM_LINE = re.compile(
    r"^\s*+[*_]*+\s*+(?:from|von|de|da|van|fra|från|od|от|差出人|发件人|寄件者|lähettäjä|feladó|"
    r"date|sent|datum|gesendet|envoyé|envoyé le|inviato|enviado|verzonden|sendt|skickat|wysłano|"
    r"data|dato|"
    r"reply-to)\s*+[*_]*+\s*+[:：]",
    re.I,
)
_HEADER_LINE = re.compile(
    r"^\s*+[*_]*+\s*+(?:from|von|de|da|van|fra|från|od|от|sent|date|to|cc|bcc|subject|"
    r"reply-to|gesendet|datum|an|betreff|envoyé|à|objet|enviado|para|asunto|assunto|"
    r"verzonden|aan|onderwerp|sendt|til|emne|skickat|till|ämne|wysłano|data|do|dw|temat|"
    r"kopie|kopia|copie|cc/ccn|ccn|enviada em|enviado em|enviada|envoyé le|dato|"
    r"送信日時|宛先|件名|日付|发送时间|收件人|"
    r"主题|отправлено|кому|тема|lähetetty|vastaanottaja|aihe|inviato|a|oggetto|"
    r"importance|wichtigkeit|priorità|priority)"
    r"\s*+[*_]*+\s*+[:：]",
    re.I,
)
_SEPARATOR = re.compile(r"^\s*+(?:_{8,}+|-{8,}+)\s*+$")  # Outlook's rule above a From: block

_SHORT = 60


@dataclass(frozen=True)
class Split:
    new: str  # what the sender wrote, signature excluded
    signature: str = ""
    history: str = ""  # the quoted or forwarded message, from its header line on
    kind: str = ""  # "reply", "forward" or "" when there is no history
    reply: str = ""  # the text above the history, signature included, as it stood


def _wrote_header(lines: list[str], i: int) -> int | None:
    """If an "On … wrote:" header starts at line i (over up to five lines), its last line.

    A header spanning lines runs on without a blank line, and none of its lines is a
    sentence, a command or the start of another header: "On it." or "Call at 10:30 with
    bob@x.com" above Gmail's "On Mon, … wrote:" are the reply's own first lines."""
    first = lines[i][:_LINE]
    if _ZOHO.match(first):
        return i
    if not (_INTRO_START.match(first) or _DATE_HINT.search(first) or "@" in first):
        return None
    nxt = next((line for line in lines[i + 1 : i + 3] if line.strip()), "")
    if _DATE_HINT.search(first) and "@" in first and nxt.lstrip().startswith(">"):
        return i  # "2011/4/7 Name <a@b.c>" straight above the quote
    if _WROTE_BARE.search(first) and (nxt.lstrip().startswith(">") or (
            _INTRO_START.match(first) and _DATE_HINT.search(first) and "@" in first)):
        return i  # "On … wrote" without its colon, above the quote or a whole attribution
    own_start = _starts_own_header(first.strip())
    window = lines[i : i + 5]
    if not any(line[:_LINE].rstrip().endswith((":", "：")) for line in window):
        return None  # every attribution ends in a colon: skip the regexes
    text = ""
    for j in range(i, min(i + 5, len(lines))):
        part = lines[j][:_LINE].strip()
        if j > i and not part:
            if own_start:
                continue  # Polymail: "On Tue, … John Smith" / "" / "<mailto:…> wrote:"
            return None  # a blank line: what stood above was the reply's own text
        if j > i and not part.startswith(">") and _starts_own_header(part):
            return None  # the header starts on a later line: this one is the reply's
        if j > i and part.startswith(">") and not _WROTE.search(part):
            return None  # the quote began without a header
        if text.endswith("=") and not part.startswith(">"):
            text = text[:-1] + part  # a quoted-printable soft break left in ("w=" / "rote:")
        else:
            text = f"{text} {part.lstrip('> ')}".strip()
        if len(text) > 300:
            return None
        if _WROTE.search(part) or _WROTE.search(text):
            return j
        if _ADDRESS_COLON.search(text) and _DATE_HINT.search(text):
            return j
        if _SENTENCE_END.search(part) or _COMMAND_LIKE.match(part):
            return None  # "On it." / "Status: working": a line of the reply, not a header
    return None


def _starts_own_header(part: str) -> bool:
    """A line that opens an attribution of its own ("On Mon, …", "Am 01.12.2026 …")."""
    return bool(_INTRO_START.match(part)) and bool(_DATE_HINT.search(part) or "@" in part)


def _header_block(lines: list[str], i: int) -> bool:
    """A From: (or Date:/Sent:) line followed, within five lines, by two more header lines."""
    if not _FROM_LINE.match(lines[i][:_LINE]):
        return False
    seen = 0
    addresses = "@" in lines[i]
    for line in lines[i + 1 : i + 7]:
        line = line[:_LINE]
        if _HEADER_LINE.match(line):
            seen += 1
            addresses = addresses or "@" in line
        elif line.strip() and seen == 0 and not _continues(line):
            return False
    return seen >= 2 or (seen == 1 and addresses)


def _continues(line: str) -> bool:
    """A header's value wrapped onto the next line ("From: Escalator" / "<esc@acme.com>")."""
    text = line.strip()
    return line.startswith((" ", "\t")) or text.startswith(("<", "[", "(")) or (
        "@" in text and ":" not in text and len(text) <= 120)


def _quote_block_is_history(lines: list[str], i: int) -> bool:
    """A ">" block is history when it runs on (two lines or more) or ends the message;
    one stray ">" line inside prose is not."""
    j = i
    while j < len(lines) and lines[j].lstrip().startswith(">"):
        j += 1
    if j - i == 1 and j < len(lines) and lines[j].strip():
        return False  # one ">" line inside running prose
    return True


def _banner_says_history(line: str) -> bool:
    return bool(_BANNER_WORDS.search(line) or _FORWARD_WORDS.search(line))


def _above_header(lines: list[str], i: int) -> bool:
    """A header block (From:/Sent:/To:) starts within the three lines below line i."""
    nxt = next((k for k in range(i + 1, min(i + 4, len(lines))) if lines[k].strip()), None)
    return nxt is not None and _header_block(lines, nxt)


def _history_start(lines: list[str]) -> tuple[int, str] | None:
    seen_text = False
    for i, line in enumerate(lines):
        stripped = line[:_LINE].strip()
        if not stripped:
            continue
        if _FORWARD_LINE.match(stripped):
            return i, "forward"
        if _BANNER.match(stripped) and (_banner_says_history(stripped) or _above_header(lines, i)):
            return i, "forward" if _FORWARD_WORDS.search(stripped) else "reply"
        if _SEPARATOR.match(stripped) and _above_header(lines, i):
            return i, "reply"
        if _header_block(lines, i):
            if seen_text:
                return i, "reply"
            # a message that opens with a header block (a bare forward): it is the message
        elif stripped.startswith(">"):
            if _quote_block_is_history(lines, i):
                return i, "reply"
        elif _wrote_header(lines, i) is not None:
            return i, "reply"
        seen_text = True
    return None


def _unshare(lines: list[str]) -> list[str]:
    """"reply On … wrote:" on one line, with the quote below: split the line in two."""
    out: list[str] = []
    for i, line in enumerate(lines):
        shared = "wrote:" in line and len(line) <= _LINE and not line.lstrip().startswith(">")
        match = _SHARED_LINE.match(line) if shared else None
        below = lines[i + 1].lstrip() if i + 1 < len(lines) else ""
        if match is not None and below.startswith(">"):
            out.extend([match.group("before").rstrip("- "), match.group("header")])
        else:
            out.append(line)
    return out


def _tail_after_quote(history: list[str], above: bool) -> list[str]:
    """Unquoted text below the last quoted line is the sender's: a bottom-posted answer
    (nothing, or only a greeting, above the quote) or a short sign-off ("Regards, Roman")."""
    quoted = [k for k, line in enumerate(history) if line.lstrip().startswith(">")]
    if not quoted:
        return []
    tail = history[quoted[-1] + 1 :]
    written = [t for t in tail if t.strip()]
    if not written or any(_header_like(t) for t in tail):
        return []
    if not above:
        return tail
    if len(quoted) >= 2 and len(written) <= 2 and all(len(t.strip()) <= _SHORT for t in tail):
        return tail
    return []


def _header_like(line: str) -> bool:
    line = line[:_LINE]
    return bool(_HEADER_LINE.match(line) or _WROTE.search(line) or _BANNER.match(line))


def header_block_above(lines: list[str], end: int) -> int:
    """Where the header a client writes above a quote ("Da: … / Inviato: …", "On … wrote:",
    "-----Original Message-----", a wrapped From: line) begins, for a quote starting at
    line `end`: the lines from there on are history too."""
    k = end
    while k > 0:
        line = lines[k - 1][:_LINE]
        text = line.strip()
        if _COMMAND_LIKE.match(text.lstrip("*_•-> ")):
            break  # a command is never part of a header
        header = bool(not text or _header_like(line) or _FROM_LINE.match(line)
                      or _SEPARATOR.match(text) or _FORWARD_LINE.match(text)
                      or _wrote_header(lines, k - 1) is not None)
        wrapped = (not header and _continues(line) and k >= 2
                   and _header_like(lines[k - 2][:_LINE]))
        if not (header or wrapped):
            return _generic_block_above(lines, k)
        k -= 2 if wrapped else 1
    return k


_LABELLED = re.compile(r"^[ \t]*+[*_]*+[^\W\d_][^\W\d_ .-]{1,24}(?:[ .-][^\W\d_]{1,24})?"
                       r"[ \t]*+[*_]*+[ \t]*+[:：]")


def _generic_block_above(lines: list[str], k: int) -> int:
    """A header block in a language no pattern knows ("Kimden: / Gönderildi: / Konu:"):
    two or more "Label: value" lines straight above the quote, one naming an address or
    an [ESC-N] subject."""
    j = k
    while j > 0 and _LABELLED.match(lines[j - 1][:_LINE]) and not _COMMAND_LIKE.match(
            lines[j - 1].strip()):
        j -= 1
    block = lines[j:k]
    if len(block) >= 2 and any("@" in line or "[ESC-" in line.upper() for line in block):
        return j
    return k


def split(text: str, sender: str = "") -> Split:
    """The new text above the history, without its signature. `sender` ("Name <address>",
    a name or an address) lets a signature that opens with the sender's name be found."""
    lines = _unshare(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    start = _history_start(lines)
    kind = ""
    history_lines: list[str] = []
    if start is not None:
        index, kind = start
        history_lines = lines[index:]
        lines = lines[:index]
        tail = _tail_after_quote(history_lines, any(line.strip() for line in lines))
        if tail:
            history_lines = history_lines[: len(history_lines) - len(tail)]
            gap = [""] if lines and not lines[-1].strip() else []
            while lines and not lines[-1].strip():
                lines.pop()
            lines = lines + gap + [t for t in tail if t.strip()] if lines else tail
    history = "\n".join(history_lines).strip("\n")
    reply = "\n".join(lines).strip()
    sig = signature.start(lines, sender)
    found = ""
    # a text that is only a signature ("--" and a name below a bottom quote) says nothing new
    if sig is not None and (
        any(line.strip() for line in lines[:sig]) or signature.is_delimiter(lines[sig])
    ):
        found = "\n".join(lines[sig:]).strip()
        lines = lines[:sig]
    # trailing blanks carry nothing and make the same text compare unequal
    new = "\n".join(line.rstrip() for line in lines).strip()
    return Split(new, found, history, kind, reply)


def unquote(text: str) -> str:
    """Forwarded or quoted text with its '>' markers removed."""
    return "\n".join(_MARKS.sub("", line) for line in text.split("\n"))


_MARKS = re.compile(r"^\s*+(?:>[ \t]?)+")
