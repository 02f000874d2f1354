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
_WROTE = re.compile(rf"\b(?:{_VERB})(?!\w)(?:\s+[^:\n]{{0,120}})?\s*[:：]\s*$", re.I)
_ADDRESS_COLON = re.compile(r"[<＜\[]?[^\s<>@]+@[^\s<>@]+[>＞\]]?\s*[:：]\s*$")
_INTRO_START = re.compile(rf"^\s*(?:{_INTRO})\s", re.I)
_DATE_HINT = re.compile(r"\d{1,2}:\d{2}|\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2}")
_SHARED_LINE = re.compile(r"^(?P<before>.*?\S)\s*-*\s*(?P<header>\bOn\s.{5,200}\bwrote:)\s*$")
_BANNER = re.compile(r"^\s*[-_=*]{2,}\s*[^-_=*\s][^\n]{1,60}?\s*[-_=*]{2,}\s*$")
# What a history banner says ("-----Original Message-----", "---- Bob wrote ----"); any
# other dashed title ("--- Enter Feedback Below ---") is the sender's own text.
_BANNER_WORDS = re.compile(
    r"original|forward|weitergeleitet|message|nachricht|meddelelse|meddelande|mensaje|"
    r"mensagem|messaggio|bericht|wiadomo|zpráva|сообщение|viesti|üzenet|reply|antwort|"
    r"réponse|respuesta|wrote|schrieb|skrev|écrit|escribió",
    re.I,
)
_FORWARD_LINE = re.compile(
    r"^\s*(begin forwarded message|anfang der weitergeleiteten nachricht|début du message "
    r"réexpédié|inizio messaggio inoltrato|comienzo del mensaje reenviado|"
    r"videresendt meddelelse|vidarebefordrat meddelande)\s*:?\s*$",
    re.I,
)
_FORWARD_WORDS = re.compile(r"forward|weitergeleitet|transféré|inoltrato|reenviado|videresendt|"
                            r"vidarebefordrat|doorgestuurd|przekazana|пересылаемое", re.I)
_FROM_LINE = re.compile(
    r"^\s*[*_]*\s*(?:from|von|de|van|fra|från|od|от|差出人|发件人|寄件者|lähettäjä|feladó|"
    r"date|sent|datum|gesendet)\s*[*_]*\s*[:：]",
    re.I,
)
_HEADER_LINE = re.compile(
    r"^\s*[*_]*\s*(?:from|von|de|van|fra|från|od|от|sent|date|to|cc|subject|gesendet|datum|"
    r"an|betreff|envoyé|à|objet|enviado|para|asunto|assunto|verzonden|aan|onderwerp|sendt|"
    r"til|emne|skickat|till|ämne|wysłano|data|do|temat|送信日時|宛先|件名|日付|发送时间|收件人|"
    r"主题|отправлено|кому|тема|lähetetty|vastaanottaja|aihe|inviato|a|oggetto)"
    r"\s*[*_]*\s*[:：]",
    re.I,
)
_SEPARATOR = re.compile(r"^\s*(?:_{8,}|-{8,})\s*$")  # Outlook's rule above a From: block

_SHORT = 60


@dataclass(frozen=True)
class Split:
    new: str  # what the sender wrote, signature excluded
    signature: str = ""
    history: str = ""  # the quoted or forwarded message, from its header line on
    kind: str = ""  # "reply", "forward" or "" when there is no history
    reply: str = ""  # the text above the history, signature included, as it stood


def _wrote_header(lines: list[str], i: int) -> int | None:
    """If an "On … wrote:" header starts at line i (over up to five lines), its last line."""
    first = lines[i]
    if not (_INTRO_START.match(first) or _DATE_HINT.search(first) or "@" in first):
        return None
    nxt = next((line for line in lines[i + 1 : i + 3] if line.strip()), "")
    if _DATE_HINT.search(first) and "@" in first and nxt.lstrip().startswith(">"):
        return i  # "2011/4/7 Name <a@b.c>" straight above the quote
    window = lines[i : i + 5]
    if not any(line.rstrip().endswith((":", "：")) for line in window):
        return None  # every attribution ends in a colon: skip the regexes
    text = ""
    for j in range(i, min(i + 5, len(lines))):
        part = lines[j].strip()
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
    return None


def _header_block(lines: list[str], i: int) -> bool:
    """A From: (or Date:/Sent:) line followed, within five lines, by two more header lines."""
    if not _FROM_LINE.match(lines[i]):
        return False
    seen = 0
    addresses = "@" in lines[i]
    for line in lines[i + 1 : i + 7]:
        if _HEADER_LINE.match(line):
            seen += 1
            addresses = addresses or "@" in line
        elif line.strip() and seen == 0 and not line.startswith((" ", "\t")):
            return False
    return seen >= 2 or (seen == 1 and addresses)


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
        stripped = line.strip()
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
        shared = "wrote:" in line and not line.lstrip().startswith(">")
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
    return bool(_HEADER_LINE.match(line) or _WROTE.search(line) or _BANNER.match(line))


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
    return "\n".join(re.sub(r"^\s*(?:>\s?)+", "", line) for line in text.split("\n"))
