"""The index of an output folder: every report present there, read from the folder's manifest.

Every way of making reports (a one-area ``report``, ``run``, the whole publication) writes the
folder's one ``manifest.json`` (:mod:`.manifest`), keeping the records of the reports made
before, so it names every report ever written there. :func:`folder_reports` reads it and drops
reports whose HTML file is gone;
:func:`write_folder_index` writes ``index.html`` and ``index_<lang>.html`` for
every language present: one section per level (national overview first),
one row per area with its report in the page's language, its other
languages, its key figures when the run recorded them, and links up and down
the area hierarchy of the publication config. When the folder's reports were made from more than
one register, the index names each register and the date of its reports, and every row says
which register it shows.

A failed report is named with a short translated message; the error itself
stays in the manifest and the run's log, never in a page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...atomic import atomic_write_text
from ...filenames import NATIONAL, index_name, stem
from ...i18n import LANGUAGES, fmt_number, name_column, t
from ...reference import area_levels, get_level
from ...templating import render_page
from .manifest import present, read_manifest
from .plan import links as level_links
from .plan import load_config


@dataclass
class Listed:
    """One report of the folder as the index shows it."""

    level: str
    area: str
    language: str
    html: str | None
    failed: bool
    built: str = ""
    figures: dict = field(default_factory=dict)
    #: The register the report was made from (``run.json``'s source) and its processed folder.
    source: str = ""
    processed_dir: str = ""

    @property
    def stem(self) -> str:
        return stem(self.level, self.area, self.language)


def _records(out_dir: Path) -> list[dict]:
    """The report records of the folder's manifest, with their language (unknown levels and languages left out)."""
    levels = {lvl.id for lvl in area_levels()}
    out = []
    for r in read_manifest(out_dir)["reports"].values():
        if not isinstance(r, dict) or r.get("level") not in levels or not r.get("area"):
            continue
        language = str(r.get("language") or "fi")
        if language not in LANGUAGES:
            continue
        out.append({"level": str(r["level"]), "area": str(r["area"]), "language": language,
                    "html": r.get("html"), "error": bool(r.get("error")), "built": str(r.get("built") or ""),
                    "figures": r.get("figures") or {}, "source": str(r.get("source") or ""),
                    "processed_dir": str(r.get("processed_dir") or "")})
    return out


def folder_reports(out_dir: Path) -> dict[str, Listed]:
    """Every report of ``out_dir`` by stem; reports whose HTML file is gone are left out (a failed report
    stays, to be named as failed)."""
    out_dir = Path(out_dir)
    listed = {}
    for r in _records(out_dir):
        if not present(out_dir, r):
            continue
        key = stem(r["level"], r["area"], r["language"])
        html = out_dir / f"{key}.html"
        listed[key] = Listed(r["level"], r["area"], r["language"], html.name if html.is_file() else None,
                             r["error"], r["built"], r["figures"], r["source"], r["processed_dir"])
    return listed


def sources(listed: dict[str, Listed]) -> list[dict]:
    """The registers the folder's reports were made from, oldest first: source, processed folder, the date
    of its latest report, and its number (1, 2, ...)."""
    found: dict[tuple[str, str], str] = {}
    for item in listed.values():
        k = (item.source, item.processed_dir)
        found[k] = max(found.get(k, ""), item.built)
    ordered = sorted(found.items(), key=lambda kv: kv[1])
    return [{"no": i + 1, "source": s, "processed_dir": d, "date": built[:10]}
            for i, ((s, d), built) in enumerate(ordered)]


def _level_order(levels: set[str], hierarchy: list[str]) -> list[str]:
    rest = [lvl.id for lvl in reversed(area_levels())]  # biggest first, like the hierarchy
    order = [lv for lv in hierarchy if lv in levels] + [lv for lv in rest if lv in levels and lv not in hierarchy]
    return order + sorted(levels - set(order))


def _figure(value, decimals: int, language: str) -> str:
    if value is None:
        return ""
    try:
        return fmt_number(float(value), decimals, language)
    except (TypeError, ValueError):
        return ""


def index_sections(listed: dict[str, Listed], ref, language: str, cfg=None) -> list[dict]:
    """The sections of the index page in ``language``: one per level present, biggest level first."""
    cfg = cfg or load_config()
    regs = sources(listed)
    number = {(r["source"], r["processed_dir"]): r["no"] for r in regs}
    by_level: dict[str, dict[str, dict[str, Listed]]] = {}
    for item in listed.values():
        by_level.setdefault(item.level, {}).setdefault(item.area, {})[item.language] = item
    present = {lv: [a for a in areas if a != NATIONAL] for lv, areas in by_level.items()}
    # the key and the area names as plain mappings, built once (a pandas lookup per link took 5 s)
    key = ref.key.astype({c: str for c in ref.key.columns if c.endswith("_code")})
    name_col = name_column(language, "name", LANGUAGES)
    area_names: dict[str, dict[str, str]] = {}
    links: dict[tuple[str, str], dict[str, set[str]]] = {}

    def names_of(level: str) -> dict[str, str]:
        if level not in area_names:
            a = ref.areas(level)
            area_names[level] = dict(zip(a["code"].astype(str), a[name_col].astype(str), strict=True))
        return area_names[level]

    def linked(a: str, b: str) -> dict[str, set[str]]:
        if (a, b) not in links:
            m: dict[str, set[str]] = {}
            for x, y in zip(key[f"{a}_code"], key[f"{b}_code"], strict=True):
                m.setdefault(x, set()).add(y)
            links[(a, b)] = m
        return links[(a, b)]

    sections = []
    for lv in _level_order(set(by_level), cfg.hierarchy):
        try:
            names = names_of(lv)
            order = {c: i for i, c in enumerate(names)}
        except (ValueError, KeyError):
            names, order = {}, {}
        up, down = level_links(cfg, lv)
        col = f"{lv}_code"

        def rel(other, codes, col=col, lv=lv):
            if other is None or other not in present or col not in key or f"{other}_code" not in key:
                return []
            found = set().union(*(linked(lv, other).get(c, set()) for c in codes)) & set(present[other])
            onames = names_of(other)
            return [{"id": f"{other}-{c}", "name": str(onames.get(c, c))} for c in sorted(found, key=_natural)]

        def entry(langs: dict[str, Listed]) -> dict:
            mine = langs.get(language) or langs.get("fi") or next(iter(langs.values()))
            other = [{"lang": x, "href": langs[x].html} for x in LANGUAGES
                     if x in langs and x != mine.language and langs[x].html]
            return {"href": mine.html, "failed": mine.failed, "lang": mine.language, "other": other,
                    "associations": _figure(mine.figures.get("associations"), 0, language),
                    "per_1000": _figure(mine.figures.get("associations_per_1000"), 2, language),
                    "source_no": number.get((mine.source, mine.processed_dir)) if len(regs) > 1 else None}

        national = None
        if NATIONAL in by_level[lv]:
            national = entry(by_level[lv][NATIONAL]) | {
                "label": t("national_title", language, level=get_level(lv).label_plural[language])}
        nodes = []
        for code in sorted(present[lv], key=lambda c: (order.get(c, len(order)), _natural(c))):
            nodes.append({"id": f"{lv}-{code}", "code": code, "name": names.get(code, code),
                          "up": rel(up, [code]), "down": rel(down, [code])} | entry(by_level[lv][code]))
        sections.append({"level": lv, "label": get_level(lv).label_plural[language], "national": national,
                         "nodes": nodes, "has_up": any(n["up"] for n in nodes),
                         "has_down": any(n["down"] for n in nodes), "has_other": any(n["other"] for n in nodes),
                         "has_figures": any(n["associations"] for n in nodes),
                         "has_sources": len(regs) > 1})
    return sections


def _natural(code: str) -> tuple:
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


def index_path(out_dir: Path, language: str) -> Path:
    """``index.html`` (Finnish) or ``index_<lang>.html`` in ``out_dir``."""
    return Path(out_dir) / index_name(language)


_NAV = re.compile(r'<nav class="sote-nav".*?</nav>|<ul class=.sote-links.>.*?</ul>', re.DOTALL)
_NAV_ITEM = re.compile(r'<li data-sote-href="([^"]*)"( hidden)?>(?:<a href="[^"]*">(.*?)</a>|<span>(.*?)</span>)</li>')


def refresh_navigation(out_dir: Path) -> int:
    """Show in every report of ``out_dir`` the navigation links whose file exists, hide the others.

    A report is written before the files it links to (the index, the national overview, its
    workbook, the same report in other languages); each link is kept in the page with its target
    (``data-sote-href``) and shown only while that file exists, so a run in another language or a
    later ``export`` makes the links appear, and none ever points to a missing file. Returns the
    number of reports rewritten.
    """
    out_dir = Path(out_dir)
    changed = 0
    for page in out_dir.glob("*.html"):
        if page.name.startswith("index"):
            continue
        try:
            text = page.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        navs = list(_NAV.finditer(text))
        if not navs:
            continue

        def item(m: re.Match) -> str:
            href, label = html.unescape(m.group(1)), m.group(3) if m.group(3) is not None else m.group(4)
            if (out_dir / href).is_file():
                return f'<li data-sote-href="{m.group(1)}"><a href="{m.group(1)}">{label}</a></li>'
            return f'<li data-sote-href="{m.group(1)}" hidden><span>{label}</span></li>'

        new = text
        for nav in reversed(navs):
            new = new[:nav.start()] + _NAV_ITEM.sub(item, nav.group(0)) + new[nav.end():]
        if new != text:
            atomic_write_text(page, new)
            changed += 1
    return changed


def scope_note(out_dir: Path, ref, language: str) -> str:
    """What the register of the folder's reports covers, and that no reports were made for the rest
    ("" for a national register or a folder without a run's processed data)."""
    from ...indicators.scope import BASE_LEVEL, Scope
    from ...store import Store

    processed = None
    for r in sorted(_records(Path(out_dir)), key=lambda r: r["built"]):  # the newest register's scope
        processed = r["processed_dir"] or processed
    if not processed:
        return ""
    try:
        scope = Scope.from_dict(Store(Path(processed)).meta().get("scope"), ref)
    except Exception:  # a folder whose processed data moved: no note rather than a broken index
        return ""
    if scope.national:
        return ""
    rest = len(ref.areas(BASE_LEVEL)) - len(scope.covered_areas(ref, BASE_LEVEL))
    return t("index_scope_note", language, scope=scope.label(ref, language), n=rest)


def write_folder_index(out_dir: Path, ref, synthetic: bool = False, cfg=None,
                       languages: tuple[str, ...] = ()) -> dict[str, Path]:
    """Write the index page of every language with a report in ``out_dir`` (and of ``languages``).

    Parameters
    ----------
    out_dir : Path
        The output folder (its manifests say what it holds).
    ref : ReferenceData
        Area names and the municipality key (links up and down).
    synthetic : bool
        Show the synthetic-data banner.
    cfg : PublicationConfig, optional
        The hierarchy of the links (default: the packaged publication config).
    languages : tuple of str
        Languages to write an index for even if the folder has no report in them.

    Returns
    -------
    dict of str to Path
        The index page of each language.
    """
    listed = folder_reports(out_dir)
    langs = sorted({x.language for x in listed.values()} | set(languages), key=LANGUAGES.index)
    paths = {}
    for lang in langs:
        sections = index_sections(listed, ref, lang, cfg)
        regs = sources(listed)
        page = render_page("index.html.j2", lang, title=t("publication_title", lang), sections=sections,
                           synthetic=synthetic, scope_note=scope_note(out_dir, ref, lang),
                           sources=regs if len(regs) > 1 else [])
        path = index_path(out_dir, lang)
        atomic_write_text(path, page)
        paths[lang] = path
    refresh_navigation(out_dir)
    return paths
