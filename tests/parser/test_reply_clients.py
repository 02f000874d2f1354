"""Replies shaped byte for byte as Gmail, Outlook (desktop, web, Mac, iOS, Android; in
French, Italian, German, ...), Apple Mail, Thunderbird and Zoho write them: the reply's own
first lines are never taken for the attribution, every header block starts the history,
and mobile signatures are signatures, never notes."""

from __future__ import annotations

import pytest

from parser import ParseSettings, Reply, parse

QUOTED = "Status:          done\r\nSeverity:        4\r\nOwner:           name@example.com\r\n"


def _reply(body: str, *, html: str = "", subject: str = "Re: [ESC-3] Initech") -> Reply:
    head = (
        "From: Anna Rossi <anna.rossi@example.com>\r\nTo: escalations@example.com\r\n"
        f"Subject: {subject}\r\nMessage-ID: <r1@mail.example.com>\r\n"
        "Date: Mon, 01 Dec 2026 10:05:00 +0100\r\nMIME-Version: 1.0\r\n"
    )
    if html:
        raw = head + "Content-Type: text/html; charset=utf-8\r\n\r\n" + html
    else:
        raw = head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    result = parse(raw.encode(), ParseSettings())
    assert isinstance(result, Reply), result
    return result


def _commands(reply: Reply) -> list[tuple[str, str]]:
    return [(c.name, c.value) for c in reply.commands]


def test_gmail_first_line_starting_with_on_is_the_replys_own() -> None:
    r = _reply("On it.\r\nStatus: working\r\n\r\nOn Mon, Dec 1, 2026 at 10:02\u202fAM Escalator <"
               "escalations@example.com> wrote:\r\n\r\n> " + QUOTED.replace("\r\n", "\r\n> "))
    assert _commands(r) == [("status", "working"), ("note", "On it.")]


def test_gmail_attribution_wrapped_over_two_lines_below_the_reply() -> None:
    r = _reply("On it.\r\nStatus: working\r\n\r\nOn Mon, Dec 1, 2026 at 10:02 AM Escalator <\r\n"
               "escalations@example.com> wrote:\r\n\r\n> Status: done\r\n> Severity: 4\r\n")
    assert _commands(r) == [("status", "working"), ("note", "On it.")]


@pytest.mark.parametrize("first", [
    "Call at 10:30 with the customer tomorrow.",
    "Spoke to bob@initech.example today.",
    "On 12/01/2026 they agreed to a workaround.",
])
def test_first_lines_with_a_time_a_date_or_an_address_are_kept(first: str) -> None:
    r = _reply(f"{first}\r\nStatus: waiting\r\n\r\nOn Mon, 1 Dec 2026 at 10:02, Escalator "
               "<escalations@example.com> wrote:\r\n> Status: done\r\n> Severity: 4\r\n")
    assert _commands(r) == [("status", "waiting"), ("note", first)]


BLOCKS = {
    "outlook-it": "Da: Escalator <escalations@example.com>\r\nInviato: lunedì 1 dicembre 2026 "
                  "10:02\r\nA: Anna Rossi <anna.rossi@example.com>\r\nOggetto: [ESC-3] Recap: "
                  "Initech\r\n",
    "outlook-fr": "De : Escalator <escalations@example.com>\r\nEnvoyé : lundi 1 décembre 2026 "
                  "10:02\r\nÀ : Anna Rossi <anna.rossi@example.com>\r\nObjet : [ESC-3] Recap\r\n",
    "outlook-de": "Von: Escalator <escalations@example.com>\r\nGesendet: Montag, 1. Dezember "
                  "2026 10:02\r\nAn: Anna Rossi <anna.rossi@example.com>\r\nBetreff: [ESC-3]\r\n",
    "outlook-es": "De: Escalator <escalations@example.com>\r\nEnviado: lunes, 1 de diciembre de "
                  "2026 10:02\r\nPara: Anna Rossi <anna.rossi@example.com>\r\nAsunto: [ESC-3]\r\n",
    "outlook-nl": "Van: Escalator <escalations@example.com>\r\nVerzonden: maandag 1 december "
                  "2026 10:02\r\nAan: Anna Rossi <anna.rossi@example.com>\r\nOnderwerp: x\r\n",
    "outlook-pt": "De: Escalator <escalations@example.com>\r\nEnviada em: segunda-feira, 1 de "
                  "dezembro de 2026 10:02\r\nPara: Anna <anna.rossi@example.com>\r\nAssunto: x\r\n",
    "outlook-da": "Fra: Escalator <escalations@example.com>\r\nSendt: 1. december 2026 10:02\r\n"
                  "Til: Anna Rossi <anna.rossi@example.com>\r\nEmne: [ESC-3]\r\n",
    "outlook-sv": "Från: Escalator <escalations@example.com>\r\nSkickat: den 1 december 2026 "
                  "10:02\r\nTill: Anna Rossi <anna.rossi@example.com>\r\nÄmne: [ESC-3]\r\n",
    "outlook-pl": "Od: Escalator <escalations@example.com>\r\nWysłano: poniedziałek, 1 grudnia "
                  "2026 10:02\r\nDo: Anna Rossi <anna.rossi@example.com>\r\nTemat: [ESC-3]\r\n",
    "outlook-mac": "From: Escalator <escalations@example.com>\r\nReply-To: Escalator <"
                   "escalations@example.com>\r\nDate: Monday, 1 December 2026 at 10:02\r\n"
                   "To: Anna Rossi <anna.rossi@example.com>\r\nSubject: [ESC-3] Recap\r\n",
    "outlook-web": "________________________________\r\nFrom: Escalator <escalations@example.com>"
                   "\r\nSent: Monday, December 1, 2026 10:02 AM\r\nTo: Anna Rossi\r\n"
                   "Subject: [ESC-3] Recap\r\n",
    "outlook-desktop": "-----Original Message-----\r\nFrom: Escalator <escalations@example.com>"
                       "\r\nSent: Monday, December 1, 2026 10:02 AM\r\n",
    "from-wrapped": "From: Escalator\r\n<escalations@example.com>\r\nSent: Monday, December 1, "
                    "2026 10:02 AM\r\nTo: Anna Rossi <anna.rossi@example.com>\r\nSubject: x\r\n",
    "apple-mail": "On 1 Dec 2026, at 10:02, Escalator <escalations@example.com> wrote:\r\n",
    "thunderbird": "On 01/12/2026 10:02, Escalator wrote:\r\n",
    "gmail-de": "Am Mo., 1. Dez. 2026 um 11:53 Uhr schrieb Escalator <escalations@example.com>"
                ":\r\n",
    "de-schrieb-am": "Escalator <escalations@example.com> schrieb am Mo., 1. Dez. 2026 um "
                     "11:53 Uhr:\r\n",
    "zoho": "---- On Mon, 01 Dec 2026 10:02:11 +0000 Escalator <escalations@example.com> wrote "
            "----\r\n",
}


@pytest.mark.parametrize("client", sorted(BLOCKS))
def test_header_block_starts_the_history_even_without_quote_marks(client: str) -> None:
    r = _reply("Status: waiting\r\n\r\n" + BLOCKS[client] + "\r\n" + QUOTED)
    assert _commands(r) == [("status", "waiting")]


def test_on_wrote_without_colon_above_a_quote() -> None:
    r = _reply("Status: waiting\r\n\r\nOn Mon, 1 Dec 2026, Escalator <escalations@example.com> "
               "wrote\r\n> Status: done\r\n> Severity: 4\r\n")
    assert _commands(r) == [("status", "waiting")]


SIGNATURES = [
    "Get Outlook for iOS<https://aka.ms/o0ukef>",
    "Get Outlook for Android<https://aka.ms/ghei36>",
    "Get Outlook for Android",
    "Sent from Mail<https://go.microsoft.com/fwlink/?LinkId=550986> for Windows",
    "Sent from my iPhone",
    "Envoyé de mon iPhone",
    "Envoyé depuis mon iPhone",
    "Von meinem iPhone gesendet",
    "Inviato da iPhone",
    "Inviato dal mio iPhone",
    "Enviado desde mi iPhone",
    "Enviado do meu iPhone",
    "Verstuurd vanaf mijn iPhone",
    "Skickat från min iPhone",
    "Sendt fra min iPhone",
    "Wysłane z iPhone'a",
    "Lähetetty iPhonesta",
    "Sent from my Galaxy",
    "Télécharger Outlook pour iOS<https://aka.ms/o0ukef>",
    "Scarica Outlook per Android<https://aka.ms/AAb9ysg>",
    "Outlook für iOS herunterladen<https://aka.ms/o0ukef>",
]


@pytest.mark.parametrize("line", SIGNATURES)
def test_mobile_signatures_are_never_notes(line: str) -> None:
    r = _reply(f"Status: working\r\n\r\n{line}\r\n\r\n" + BLOCKS["outlook-web"] + "\r\n" + QUOTED)
    assert _commands(r) == [("status", "working")]
    assert line.split("<")[0] not in r.text


def test_outlook_ios_html_signature_is_not_a_note() -> None:
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '</head><body><div dir="auto">ack</div><div dir="auto"><br></div>'
            '<div id="ms-outlook-mobile-signature"><div dir="auto">Get <a href="https://aka.ms/'
            'o0ukef">Outlook for iOS</a></div></div><div id="mail-editor-reference-message-'
            'container"><hr><b>From:</b> Escalator &lt;escalations@example.com&gt;<br>'
            '<b>Sent:</b> Monday, December 1, 2026 10:02:11 AM<br>Status: done</div>'
            '</body></html>')
    assert _commands(_reply("", html=html)) == [("ack", "")]


@pytest.mark.parametrize(("label", "sent"),
                         [("Da", "Inviato"), ("De", "Envoyé"), ("Von", "Gesendet")])
def test_outlook_desktop_html_only_header_in_its_language(label: str, sent: str) -> None:
    html = ('<html><body lang="IT"><div class="WordSection1"><p class="MsoNormal">Status: '
            'waiting<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p><div><div style='
            '"border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class='
            f'"MsoNormal"><b>{label}:</b> Escalator &lt;escalations@example.com&gt;<br><b>{sent}:'
            '</b> lunedì 1 dicembre 2026 10:02<br></p></div></div><p class="MsoNormal">Status: '
            'done<br>Severity: 4<br>Owner: name@example.com</p></div></body></html>')
    assert _commands(_reply("", html=html)) == [("status", "waiting")]
