"""HTML pages: the self-contained report (templates/report.html) and the dashboard's
pages (templates/web/), rendered with Jinja2, autoescaped; and the report as plain text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from escalator import charts, render

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def money(value: Any) -> str:
    if value is None:
        return "—"
    number = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= limit:
            return f"${number / limit:,.2f}".rstrip("0").rstrip(".") + suffix
    return f"${number:,.0f}"


def percent(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


def short_time(value: Any) -> str:
    if not value:
        return "—"
    return str(value).replace("T", " ")[:16] + " UTC"


SEVERITIES = {1: "Critical", 2: "High", 3: "Medium", 4: "Low"}


def severity_label(value: Any) -> str:
    """1 Critical, 2 High, 3 Medium, 4 Low."""
    try:
        return f"{int(value)} {SEVERITIES[int(value)]}"
    except (KeyError, TypeError, ValueError):
        return str(value)


def span(seconds: Any) -> str:
    """How long, as a person says it: 45 min, 5 h 20 min, 3 d 4 h."""
    total = max(int(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{max(minutes, 1)} min"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(money=money, percent=percent, time=short_time, span=span,
                       severity=severity_label)
    env.globals.update(hbars=charts.hbars, columns=charts.columns, money=money,
                       exposure_bars=exposure_bars, command_help=render.command_help)
    return env


def render_page(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


def report_html(report: dict[str, Any], top: int = 50, nav: bool = False) -> str:
    """One page, inline CSS and SVG: opens the same in a browser and as an attachment;
    `nav`: with the dashboard's navigation (when the dashboard serves it)."""
    return render_page("report.html", r=report, top_accounts=report["accounts"][:top],
                       nav=nav)


def exposure_bars(groups: dict[str, dict[str, Any]], most: int = 12) -> list[tuple[str, float]]:
    return [(name, float(g["arr_exposure"])) for name, g in list(groups.items())[:most]]


def report_text(report: dict[str, Any], top: int = 15) -> list[str]:
    t = report["totals"]
    lines = [f"open escalations: {t['open']} ({t['urgent']} urgent) on "
             f"{t['accounts_exposed']} accounts; ARR exposure {money(t['arr_exposure'])}", "",
             f"{'account':<32} {'open':>5} {'urgent':>6} {'exposure':>10}  renewal"]
    for a in [a for a in report["accounts"] if a["open"]][:top]:
        lines.append(f"{a['name'][:32]:<32} {a['open']:>5} {a['urgent']:>6} "
                     f"{money(a['arr_exposure']):>10}  {a['renewal_date'] or '—'}")
    lines += ["", "ARR exposure by type:"]
    lines += [f"  {k:<24} {money(v):>10}" for k, v in report["arr_exposure_by_type"].items()]
    lines += ["", "renewing with open escalations:"]
    lines += [f"  within {w['within_days']} days: {w['accounts']} accounts, {w['open']} open, "
              f"{money(w['arr_exposure'])}" for w in report["renewals"]]
    sla = report["sla"]
    lines += ["", "severity  mtta min (mean/median)  mttr h (mean/median)  breach resp/resol"]
    for sev in ("1", "2", "3", "4"):
        a, r = sla["mtta_minutes"].get(sev), sla["mttr_hours"].get(sev)
        b = [sla["breach_rate"][t].get(sev) for t in ("response", "resolution")]
        lines.append(
            f"  {sev}       {_pair(a):>22}  {_pair(r):>20}  "
            + " / ".join(percent(x["rate"]) if x else "—" for x in b))
    lines += ["", "highest rung reached: " + ", ".join(
        f"{k} {v}" for k, v in sla["highest_rung"].items())]
    rv = report["review"]
    lines += [f"reviews: {rv['completed']}/{rv['requested']} complete, "
              f"satisfied {percent(rv['satisfaction_rate'])}"]
    return lines


def _pair(figure: dict[str, Any] | None) -> str:
    return f"{figure['mean']} / {figure['median']}" if figure else "—"
