"""Where does the new text of a message end? Splits plain text into the new text, its
signature, and the history below it (quoted reply or forwarded message).

Recognised history starts, in every client's style and the corpora's languages:
"On … wrote:" on one or several lines, "-----Original Message-----" and other dashed
banners, Outlook's From/Sent/To/Subject block (also after a line of underscores),
"Begin forwarded message:", and ">"-quoted lines. Signatures: "-- ", "__", "-Name",
"Sent from my iPhone" and the like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INTRO = (
    r"on|am|le|el|il|op|den|dnia|w dniu|på|em|vào|no|il giorno|el día|den|d[ae]n|"
    r"в|у|kun|dne|pe|dana|am\s+\S+|le\s+\S+"
)
_VERB = (
    r"wrote|writes|schrieb|schreef|skrev|skrivit|a écrit|escribió|escreveu|ha scritto|"
    r"napisał\(a\)|napisał|napisała|pisze|написал\(а\)|написал|написала|đã viết|kirjoitti|"
    r"írta|yazdı|napsal|scrise|kirjutas|rašė|rakstīja|wrote\s+the\s+following"
)
_WROTE = re.compile(rf"(?:{_VERB})(?:\s+[^:\n]{{0,120}})?\s*[:：]\s*$", re.I)
_INTRO_START = re.compile(rf"^\s*(?:{_INTRO})\b", re.I)
_JA_HEADER = re.compile(r"^\s*\d{4}[年/-]\s*\d{1,2}[月/-]\s*\d{1,2}.*[<＜][^>＞]+@[^>＞]+[>＞]\s*[:：]?\s*$")
_BANNER = re.compile(r"^\s*[-_=*]{2,}\s*[^-_=*\s][^\n]{1,60}?\s*[-_=*]{2,}\s*$")
_FORWARD_LINE = re.compile(
    r"^\s*(begin forwarded message|anfang der weitergeleiteten nachricht|début du message "
    r"réexpédié|inizio messaggio inoltrato|comienzo del mensaje reenviado|"
    r"videresendt meddelelse|vidarebefordrat meddelande)\s*:?\s*$",
    re.I,
)
_FORWARD_WORDS = re.compile(r"forward|weitergeleitet|transféré|inoltrato|reenviado|videresendt|"
                            r"vidarebefordrat|doorgestuurd|przekazana", re.I)
_HEADER_NAMES = (
    r"from|von|de|van|fra|från|od|от|差出人|发件人|寄件者|lähettäjä|feladó"
)
_FROM_LINE = re.compile(rf"^\s*[*_]*\s*(?:{_HEADER_NAMES})\s*[*_]*\s*[:：]", re.I)
_HEADER_LINE = re.compile(
    r"^\s*[*_]*\s*(?:sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|date|à|objet|"
    r"enviado|para|asunto|assunto|verzonden|aan|onderwerp|sendt|til|emne|skickat|till|ämne|"
    r"wysłano|data|do|temat|送信日時|宛先|件名|日付|发送时间|收件人|主题|отправлено|кому|тема|"
    r"lähetetty|vastaanottaja|aihe|inviato|a|oggetto)\s*[*_]*\s*[:：]",
    re.I,
)
_UNDERSCORES = re.compile(r"^\s*_{8,}\s*$")
_SIG_DASHES = re.compile(r"^(--\s*|__+\s*|-\w.*)$")
_SENT_FROM = re.compile(
    r"^\s*(sent from (my )?[\w .'’-]{1,40}|sent with [\w .]{1,30}|get outlook for \w+|"
    r"sent via [\w .]{1,30}|von meinem [\w .]{1,30} gesendet|envoyé de mon [\w .]{1,30}|"
    r"enviado desde mi [\w .]{1,30}|skickat från min [\w .]{1,30}|sendt fra min [\w .]{1,30}|"
    r"verzonden vanaf mijn [\w .]{1,30}|wysłane z [\w .]{1,30})\s*\.?\s*$",
    re.I,
)


@dataclass(frozen=True)
class Split:
    new: str  # what the sender wrote, signature excluded
    signature: str = ""
    history: str = ""  # the quoted or forwarded message, from its header line on
    kind: str = ""  # "reply", "forward" or "" when there is no history


def _wrote_header(lines: list[str], i: int) -> int | None:
    """If an "On … wrote:" header starts at line i (spanning up to 6 lines), its last line."""
    line = lines[i]
    if _JA_HEADER.match(line):
        return i
    if _WROTE.search(line) and (_INTRO_START.match(line) or "@" in line or "," in line):
        return i
    if not _INTRO_START.match(line) or _WROTE.search(line):
        return None
    text = line
    for j in range(i + 1, min(i + 6, len(lines))):
        text += " " + lines[j].lstrip("> ")
        if _WROTE.search(lines[j]) or _WROTE.search(text) and lines[j].strip():
            return j if len(text) < 400 else None
    return None


def _outlook_block(lines: list[str], i: int) -> bool:
    """A From: line followed, within four lines, by two more header lines."""
    if not _FROM_LINE.match(lines[i]):
        return False
    seen = 0
    for line in lines[i + 1 : i + 6]:
        if _HEADER_LINE.match(line):
            seen += 1
        elif line.strip() and seen == 0 and not line.startswith((" ", "\t")):
            return False
    return seen >= 2


def _history_start(lines: list[str]) -> tuple[int, str] | None:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _FORWARD_LINE.match(stripped):
            return i, "forward"
        if _BANNER.match(stripped) and not _SIG_DASHES.match(stripped):
            return i, "forward" if _FORWARD_WORDS.search(stripped) else "reply"
        if _UNDERSCORES.match(stripped) and i + 1 < len(lines):
            nxt = next((k for k in range(i + 1, min(i + 4, len(lines))) if lines[k].strip()), None)
            if nxt is not None and _outlook_block(lines, nxt):
                return i, "reply"
        if _outlook_block(lines, i):
            return i, "reply"
        if stripped.startswith(">"):
            return i, "reply"
        if _wrote_header(lines, i) is not None:
            return i, "reply"
    return None


def _signature_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        after_blank = i == 0 or not lines[i - 1].strip()
        if line.rstrip() in ("--", "-- ", "—") or (
            after_blank and _SIG_DASHES.match(line.rstrip()) and not line.startswith("- ")
        ):
            return i
        if _SENT_FROM.match(line):
            return i
    return None


def split(text: str) -> Split:
    """The new text above the history, without its signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _history_start(lines)
    kind = ""
    history = ""
    if start is not None:
        index, kind = start
        history = "\n".join(lines[index:]).strip("\n")
        lines = lines[:index]
        if not any(line.strip() for line in lines) and kind == "reply":
            # bottom-posting: the new text is what follows the quote
            below = [line for line in history.split("\n") if not line.lstrip().startswith(">")]
            rest = split("\n".join(below[1:])) if below and _is_header(below[0]) else None
            if rest is not None and rest.new:
                return Split(rest.new, rest.signature, history, kind)
    sig = _signature_start(lines)
    signature = ""
    if sig is not None and any(line.strip() for line in lines[:sig]):
        signature = "\n".join(lines[sig:]).strip()
        lines = lines[:sig]
    return Split("\n".join(lines).strip(), signature, history, kind)


def _is_header(line: str) -> bool:
    return bool(line.strip() == "" or _WROTE.search(line) or line.lstrip().startswith(">"))


def unquote(text: str) -> str:
    """Forwarded or quoted text with its '>' markers removed."""
    return "\n".join(re.sub(r"^\s*(?:>\s?)+", "", line) for line in text.split("\n"))
