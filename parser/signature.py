"""Where does the signature at the foot of a message's new text begin?

Three kinds, earliest wins:
- an explicit delimiter: "-- ", "--", "__", "-Name", "Sent from my iPhone" and the like;
- a sign-off ("Regards," "Med venlig hilsen") followed only by a few short lines;
- the sender's own name or address opening a block of short lines at the end
  ("Jane Smith / Director, CS / +1 555 …"), optionally below a "-----" rule.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

_LINE = 200  # no signature line is longer: patterns see at most this much of a line
_SIG_DASHES = re.compile(r"^(?:--[ \t]*+|__++[ \t]*+|-\w.*)$")
_RULE = re.compile(r"^\s*+(?:-{2,}+|_{2,}+|={2,}+)\s*+$")
# What mobile and desktop clients append, in the languages they ship: "Sent from my
# iPhone", "Get Outlook for iOS<https://aka.ms/o0ukef>", "Envoyé de mon iPhone", ...
_SENT_FROM = re.compile(
    r"^[ \t]*+(?:"
    r"sent from (?:my )?[\w .'’-]{1,40}|sent with [\w .]{1,30}|sent via [\w .]{1,30}|"
    r"sent using [\w .]{1,30}|sent on the go with [\w .]{1,30}|"
    r"get (?:outlook|the outlook app) for \w+|"
    r"télécharger outlook pour \w+|obtenir outlook pour \w+|outlook für \w+ herunterladen|"
    r"scarica outlook per \w+|descargar outlook para \w+|obtener outlook para \w+|"
    r"baixe o outlook para \w+|outlook voor \w+ downloaden|hent outlook til \w+|"
    r"skaffa outlook för \w+|pobierz outlook dla \w+|"
    r"von meinem [\w .'’-]{1,30} gesendet|gesendet von meinem [\w .'’-]{1,30}|"
    r"gesendet mit [\w .]{1,30}|gesendet von [\w .'’-]{1,30}|"
    r"envoy[ée] de(?:puis)? mon [\w .'’-]{1,30}|envoy[ée] avec [\w .]{1,30}|"
    r"envoy[ée] à partir de [\w .'’-]{1,30}|"
    r"inviato da(?:l mio)? [\w .'’-]{1,30}|"
    r"enviado desde mi [\w .'’-]{1,30}|enviado desde [\w .'’-]{1,30}|"
    r"enviado do meu [\w .'’-]{1,30}|enviado a partir do meu [\w .'’-]{1,30}|"
    r"verstuurd vanaf mijn [\w .'’-]{1,30}|verzonden vanaf mijn [\w .'’-]{1,30}|"
    r"verzonden met [\w .]{1,30}|"
    r"skickat från min [\w .'’-]{1,30}|sendt fra min [\w .'’-]{1,30}|"
    r"lähetetty [\w .'’-]{1,30}|wysłane z (?:mojego )?[\w .'’-]{1,30}|"
    r"odesláno z [\w .'’-]{1,30}|отправлено с [\w .'’-]{1,30}|"
    r"iphoneから送信|从我的 ?iphone发送|從我的 ?iphone傳送"
    r")[ \t]*+(?:<https?://[^\s<>]{1,200}>)?(?:[ \t]++for [\w ]{1,20})?[ \t]*+\.?[ \t]*+$",
    re.I,
)
_SIGN_OFF = re.compile(
    r"^\s*+(best|best wishes|thanks|thank you|many thanks|thanks again|regards|best regards|"
    r"kind regards|warm regards|cheers|sincerely|br|mvh|kh|hilsen|venlig hilsen|"
    r"med venlig hilsen|de bedste hilsner|vennlig hilsen|mvh\.|med vänliga hälsningar|"
    r"vänliga hälsningar|hälsningar|mit freundlichen grüßen|freundliche grüße|viele grüße|"
    r"beste grüße|lg|gruß|grüße|met vriendelijke groet|groeten|pozdrawiam|z poważaniem|"
    r"z powazaniem|cordialement|bien à vous|saludos|un saludo|atentamente|cordiali saluti|"
    r"saluti|/\w+)[ \t]*+[,.!]?[ \t]*+$",
    re.I,
)
_SHORT = 60
_NAME_LINE = 50  # a line that opens a signature with the sender's name is about this long
_SENDER_BLOCK = 12  # non-empty lines a sender-name signature may run to


def is_delimiter(line: str) -> bool:
    """A line that says "a signature starts here" whatever stands above it."""
    return line.rstrip() in ("--", "-- ", "—") or bool(_SENT_FROM.match(line[:_LINE]))


def _names(sender: str) -> tuple[list[str], list[str]]:
    """The sender's full forms (display name, address) and single name words (first name,
    the words of the address's local part), lower-cased."""
    name, address = parseaddr(sender)
    if not address and "@" not in sender:
        name, address = sender, ""
    name = " ".join(re.sub(r"[^\w\s.'-]", " ", name).split()).lower()
    full = [form for form in (name, address.lower()) if len(form) >= 3]
    words = [w for w in re.split(r"[._+\-\s]", address.split("@")[0].lower()) if len(w) >= 3]
    if name:
        words.append(name.split()[0])
    return full, [w for w in words if len(w) >= 3 and w.isalpha()]


def _names_sender(line: str, full: list[str], words: list[str]) -> bool:
    text = " ".join(line.lower().split())
    if len(text) > _NAME_LINE:
        return False
    if any(form in text for form in full):
        return True
    return any(re.search(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", text) for word in words)


def _by_sender(lines: list[str], content: list[int], sender: str) -> int | None:
    """The sender's name (or address) opening a block of short lines at the end; a rule line
    ("-----") at most two lines above it starts the block instead."""
    full, words = _names(sender)
    if not full and not words:
        return None
    tail = content[-_SENDER_BLOCK:]
    for n, i in enumerate(tail):
        if i == content[0] or lines[i - 1].strip() or not _names_sender(lines[i], full, words):
            continue
        if any(len(lines[k].strip()) > 80 for k in tail[n:]):
            continue  # a body paragraph follows: not a signature
        above = [k for k in tail[max(0, n - 2) : n] if _RULE.match(lines[k][:_LINE])]
        return above[0] if above and above[0] != content[0] else i
    return None


def start(lines: list[str], sender: str = "") -> int | None:
    """Where the signature begins in the new text's lines, or None."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    found: int | None = None
    for n, i in enumerate(content):
        line = lines[i]
        after_blank = i == 0 or not lines[i - 1].strip()
        if is_delimiter(line):
            found = i
            break
        if (after_blank and _SIG_DASHES.match(line[:_LINE].rstrip())
                and not line.startswith("- ")):
            found = i
            break
        if (
            len(content) - n <= 5  # no list copied per line: that made long texts quadratic
            and _SIGN_OFF.match(line[:_LINE])
            and all(len(lines[k].strip()) <= _SHORT for k in content[n + 1 :])
        ):
            found = i
            break
    if sender and content:
        named = _by_sender(lines, content, sender)
        if named is not None and (found is None or named < found):
            found = named
    return found
