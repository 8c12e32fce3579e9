"""What a publication contains: its config (``data/publication.yaml``), checked, and the reports it plans.

A publication lists levels, optional areas per level, the hierarchy of the index's links and the
languages of each area (:func:`area_languages`: base languages, Swedish by the municipality key's
language status, level extras and overrides). :func:`plan` turns it into :class:`Job` s; a
one-level batch is :func:`batch_jobs`. :func:`links` says which levels an area's index row
links up and down to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ...config import load_yaml
from ...errors import SoteAnalyticsError
from ...filenames import NATIONAL, stem
from ...i18n import LANGUAGES
from ...reference import area_levels, get_level


class PublicationConfigError(SoteAnalyticsError, ValueError):
    """The publication config names an unknown level or language, or is malformed."""


@dataclass
class PublicationConfig:
    """What a publication contains (see ``data/publication.yaml``)."""

    levels: list[str]
    hierarchy: list[str]
    areas: dict[str, list[str]] = field(default_factory=dict)
    extra_links: dict[str, dict[str, str]] = field(default_factory=dict)
    base_languages: list[str] = field(default_factory=lambda: ["fi"])
    swedish_status_codes: list[str] = field(default_factory=list)
    level_languages: dict[str, list[str]] = field(default_factory=dict)
    overrides: dict[str, list[str]] = field(default_factory=dict)


def default_config_path() -> Path:
    """The publication config shipped with the package."""
    return Path(str(resources.files("sote_analytics").joinpath("data/publication.yaml")))


def load_config(path: Path | None = None) -> PublicationConfig:
    """Read and check a publication config (the packaged default when ``path`` is None).

    Examples
    --------
    >>> cfg = load_config()
    >>> cfg.hierarchy[0], cfg.hierarchy[-1]
    ('koko_maa', 'kunta')
    """
    p = Path(path) if path else default_config_path()
    try:
        raw = load_yaml(p.read_text("utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PublicationConfigError(f"cannot read publication config {p}: {exc}") from None
    _check_schema(raw, p)
    lang = raw.get("languages") or {}
    cfg = PublicationConfig(
        levels=[str(x) for x in raw.get("levels") or []],
        hierarchy=[str(x) for x in raw.get("hierarchy") or []],
        areas={str(k): [str(c) for c in v] for k, v in (raw.get("areas") or {}).items()},
        extra_links={str(k): {kk: str(vv) for kk, vv in v.items()} for k, v in (raw.get("extra_links") or {}).items()},
        base_languages=[str(x) for x in lang.get("base") or ["fi"]],
        swedish_status_codes=[str(x) for x in lang.get("swedish_status_codes") or []],
        level_languages={str(k): [str(x) for x in v] for k, v in (lang.get("levels") or {}).items()},
        overrides={str(k): [str(x) for x in v] for k, v in (lang.get("overrides") or {}).items()},
    )
    known = {lvl.id for lvl in area_levels()}
    for what, ids in (("levels", cfg.levels), ("hierarchy", cfg.hierarchy), ("areas", list(cfg.areas)),
                      ("extra_links", list(cfg.extra_links)), ("languages.levels", list(cfg.level_languages))):
        bad = [i for i in ids if i not in known]
        if bad:
            raise PublicationConfigError(f"{p}: unknown level(s) {bad} in {what}; valid: {sorted(known)}")
    if not cfg.levels:
        raise PublicationConfigError(f"{p}: no levels to publish")
    langs = cfg.base_languages + [x for v in cfg.level_languages.values() for x in v] \
        + [x for v in cfg.overrides.values() for x in v]
    bad = sorted({x for x in langs if x not in LANGUAGES})
    if bad:
        raise PublicationConfigError(f"{p}: unknown language(s) {bad}; valid: {list(LANGUAGES)}")
    for key in cfg.overrides:
        if ":" not in key or key.split(":", 1)[0] not in known:
            raise PublicationConfigError(f"{p}: override {key!r} must read 'level:code' with a known level")
    return cfg


#: The publication config's schema: each key and the YAML shape of its value.
SCHEMA: dict[str, type] = {"version": int, "levels": list, "hierarchy": list, "areas": dict, "extra_links": dict,
                           "languages": dict}
LANGUAGE_SCHEMA: dict[str, type] = {"base": list, "swedish_status_codes": list, "levels": dict, "overrides": dict}
_SHAPES = {list: "a list", dict: "a mapping", str: "a text", int: "a number", float: "a number", bool: "yes/no"}


def _shape(value: object) -> str:
    return _SHAPES.get(type(value), type(value).__name__)


def _check_schema(raw: object, p: Path) -> None:
    """Refuse a config that is not a mapping of the known keys with the documented shapes.

    A list, a string or a CSV read as YAML would otherwise be read key by key, or character by character.
    """
    if not isinstance(raw, dict):
        raise PublicationConfigError(f"publication config {p}: expected a YAML mapping with levels, hierarchy, "
                                     f"areas and languages, found {_shape(raw)}")

    def check(mapping: dict, schema: dict, where: str) -> None:
        unknown = sorted(str(k) for k in mapping if k not in schema)
        if unknown:
            raise PublicationConfigError(f"publication config {p}: unknown key(s) {unknown}{where}; "
                                         f"known: {sorted(schema)}")
        for key, kind in schema.items():
            v = mapping.get(key)
            if v is not None and not isinstance(v, kind):
                raise PublicationConfigError(f"publication config {p}: {key}{where} must be "
                                             f"{_SHAPES[kind]}, found {_shape(v)}")

    check(raw, SCHEMA, "")
    check(raw.get("languages") or {}, LANGUAGE_SCHEMA, " in languages")
    nested = [("areas", raw.get("areas") or {}, list), ("extra_links", raw.get("extra_links") or {}, dict),
              ("languages.levels", (raw.get("languages") or {}).get("levels") or {}, list),
              ("languages.overrides", (raw.get("languages") or {}).get("overrides") or {}, list)]
    for what, mapping, kind in nested:
        for k, v in mapping.items():
            if not isinstance(v, kind):
                raise PublicationConfigError(f"publication config {p}: {what}.{k} must be {_SHAPES[kind]}, "
                                             f"found {_shape(v)}")


# ---------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class Job:
    """One report of the publication."""

    level: str
    #: An area code, or :data:`~...filenames.NATIONAL` for the level's national overview.
    area: str
    language: str

    @property
    def national(self) -> bool:
        return self.area == NATIONAL

    @property
    def stem(self) -> str:
        return stem(self.level, self.area, self.language)


def area_languages(ref, cfg: PublicationConfig, level: str) -> dict[str, list[str]]:
    """Languages of every area of ``level``: base, Swedish by member language status, level extras, overrides.

    A key without ``kielisuhde_code`` gives no automatic Swedish (overrides still apply).
    """
    key = ref.key
    col = f"{get_level(level).id}_code"
    swedish: set[str] = set()
    if cfg.swedish_status_codes and "kielisuhde_code" in key:
        sel = key[key["kielisuhde_code"].astype(str).isin(cfg.swedish_status_codes)]
        swedish = set(sel[col].astype(str))
    out = {}
    for code in ref.areas(level)["code"].astype(str):
        langs = list(cfg.base_languages)
        if code in swedish and "sv" not in langs:
            langs.append("sv")
        langs += [x for x in cfg.level_languages.get(level, []) if x not in langs]
        out[code] = cfg.overrides.get(f"{level}:{code}", langs)
    return out


def batch_jobs(level: str, areas: list[str], language: str, national: bool = True) -> list[Job]:
    """The reports of a one-level batch: ``areas`` of ``level`` in ``language``, and the level's national
    overview first when ``national`` (it is the longest report: no worker is left with it at the end).

    Examples
    --------
    >>> [j.stem for j in batch_jobs("hyvinvointialue", ["15", "17"], "sv")]
    ['national_hyvinvointialue_sv', 'hyvinvointialue_15_sv', 'hyvinvointialue_17_sv']
    """
    jobs = [Job(level, str(a), language) for a in areas]
    return ([Job(level, NATIONAL, language)] if national else []) + jobs


def plan(ref, cfg: PublicationConfig) -> list[Job]:
    """Every report of the publication, level by level as listed, areas in key order."""
    jobs = []
    for level in cfg.levels:
        langs = area_languages(ref, cfg, level)
        wanted = cfg.areas.get(level)
        unknown = sorted(set(wanted or []) - set(langs))
        if unknown:
            raise PublicationConfigError(f"no {level} with code(s) {unknown} in the {ref.year} key")
        for code, ls in langs.items():
            if wanted is None or code in wanted:
                jobs += [Job(level, code, lang) for lang in ls]
    return jobs


def links(cfg: PublicationConfig, level: str) -> tuple[str | None, str | None]:
    """The levels an area of ``level`` links up and down to in the index (publication config)."""
    if level in cfg.extra_links:
        return cfg.extra_links[level].get("up"), cfg.extra_links[level].get("down")
    if level not in cfg.hierarchy:
        return None, None
    i = cfg.hierarchy.index(level)
    return (cfg.hierarchy[i - 1] if i > 0 else None,
            cfg.hierarchy[i + 1] if i + 1 < len(cfg.hierarchy) else None)
