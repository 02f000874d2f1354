"""Bytes to text under a charset label that may be wrong, narrow or missing: one policy
for headers (encoded words, raw 8-bit values) and bodies alike.

Labels are widened to the code pages their real-world senders use (ISO-8859-1 is sent as
Windows-1252, Shift_JIS as CP932, GB2312 as GB18030, ...). ISO-2022-JP is read with the
extensions Japanese clients write under it (NEC and IBM rows: ①, ㈱, 髙) before any
fallback. Beyond that a label is trusted only as far as it decodes: then UTF-8, then
Windows-1252 (every byte decodes in it), so the result is always text.
"""

from __future__ import annotations

import codecs
import re

_WIDER = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc-cn": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
}
_JIS = frozenset({"iso2022_jp_ext", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3"})

_BROKEN = re.compile("\ufffd+")
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# ISO-2022-JP escape sequences: ESC $ @ / ESC $ B (JIS X 0208), ESC ( B / ESC ( J (one byte),
# ESC ( I (half-width katakana)
_ESCAPE = re.compile(rb"\x1b(\$[@B]|\([BJI])")
_NEWLINE = re.compile(rb"(\r?\n)")
_INVALID = b"\x85"  # a lead byte of no CP932 character: read as one U+FFFD


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text under a charset label that may be wrong or missing."""
    label = (charset or "").strip().strip('"').lower()
    label = _WIDER.get(label, label)
    for name in dict.fromkeys((label, "utf-8")):
        if not name:
            continue
        try:
            codecs.lookup(name)
            return data.decode(name)
        except (LookupError, UnicodeDecodeError, ValueError):
            pass
        if name in _JIS and data.isascii():  # else UTF-8 would "decode" it, escapes and all
            return _iso2022jp_cp932(data)
    # UTF-8 with a few broken sequences (a cut or damaged message) has more valid multi-byte
    # sequences than broken places; Latin-1 or Windows-1252 text has next to none. A broken
    # place is a run of replacement characters: one damaged byte can leave three of them
    text = data.decode("utf-8", "replace")
    if len(_UTF8_SEQUENCE.findall(data)) > len(_BROKEN.findall(text)):
        return text
    return data.decode("cp1252", "replace")


def _sjis_pair(first: int, second: int) -> bytes:
    """One JIS X 0208 code (row and cell bytes 0x21-0x7E) as its Shift_JIS bytes."""
    lead = ((first + 1) >> 1) + (0x70 if first <= 0x5E else 0xB0)
    if first & 1:
        trail = second + (0x1F if second <= 0x5F else 0x20)
    else:
        trail = second + 0x7E
    return bytes((lead, trail))


def _iso2022jp_cp932(data: bytes) -> str:
    """ISO-2022-JP as Microsoft writes it (CP50220/CP50221: the JIS X 0208 set carries the
    CP932 extensions), re-coded to Shift_JIS and read as CP932; a byte out of place
    becomes U+FFFD, the rest is still read."""
    out = bytearray()
    mode = b"(B"
    position = 0
    for match in [*_ESCAPE.finditer(data), None]:
        end = match.start() if match is not None else len(data)
        chunk = data[position:end]
        if mode in (b"$B", b"$@"):
            for piece in _NEWLINE.split(chunk):  # a line break inside: a cut message
                if piece in (b"\n", b"\r\n"):
                    out += piece
                    continue
                for i in range(0, len(piece) - 1, 2):
                    first, second = piece[i], piece[i + 1]
                    if 0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E:
                        out += _sjis_pair(first, second)
                    else:
                        out += _INVALID
                if len(piece) % 2:
                    out += _INVALID  # a lone byte
        elif mode == b"(I":
            out += bytes(b + 0x80 if 0x21 <= b <= 0x5F else b for b in chunk)
        else:
            out += chunk
        if match is None:
            break
        mode = match.group(1)
        position = match.end()
    return bytes(out).decode("cp932", "replace")
