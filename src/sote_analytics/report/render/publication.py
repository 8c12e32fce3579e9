"""The whole publication in one batch: every level and language, warm kernels, incremental rebuilds.

:func:`publish` renders the reports listed by a publication config
(``data/publication.yaml`` by default: levels, areas, languages), writes
``manifest.json`` and a multi-level index per language (country ->
collaborative area -> wellbeing area -> sub-region -> municipality, each entry
linking up and down) of every report in the folder, this publication's and
earlier runs' (:mod:`.folder_index`).

Languages follow the municipality language status of the reference key
(``kielisuhde_code``): an area gets Swedish when a member municipality has one
of the configured statuses; levels and single areas can be overridden.

Each worker keeps one :class:`~.kernels.WarmKernel` for its share of the
reports. A report is skipped when the hash of its inputs equals the one in the
previous manifest and its HTML exists. The inputs are: its slice of the
processed data (the area's indicator and registration rows, its member
municipalities' indicator, count and directory rows, the national and district
organisations whose area of operation covers a member municipality, the survey
answers of its sub-regions and those known only at an area within it, such as
a county), what ``run.json`` says (row accounting, field problems, quality,
source) and ``survey_report.json``, the reference files, the notebook, the
package version and a digest of its code, the texts of its language and its
parameters. The national figures a report quotes for comparison are recorded
separately (``context``) and do not trigger a rebuild; ``force`` rebuilds all.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ... import __version__
from ...boundary import cap_workers
from ...config import load_yaml
from ...errors import SoteAnalyticsError
from ...i18n import LANGUAGES
from ...reference import area_levels, get_level
from ...store import Store
from .run import (
    _atomic_write,
    _sha256,
    _stem,
    check_inputs,
    default_notebook,
    install_assets,
    release_locks,
    report_params,
)
from .workers import run_jobs

MANIFEST = "manifest.json"
#: Indicators computed against the whole country (they move with any association anywhere): recorded as a
#: report's context, not as its data (see indicators.yaml).
CONTEXT_INDICATORS = ("share_of_national", "location_quotient", "rank_per_1000")
KIND = "sote-analytics publication"


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
    area: str
    language: str

    @property
    def stem(self) -> str:
        return _stem(self.level, self.area, self.language)


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


# ---------------------------------------------------------------------------- input hashes
def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()


def _group_digests(df, keys: list[str]) -> dict[tuple, str]:
    """Digest of the rows of each group of ``df`` (order-independent); rows with a missing key are a group
    of their own (``dropna=False``: a county-level survey answer has no sub-region)."""
    import numpy as np
    import pandas as pd

    if df is None or df.empty:
        return {}
    rows = pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy()
    out = {}
    for k, idx in df.groupby(keys, sort=False, dropna=False).indices.items():
        k = k if isinstance(k, tuple) else (k,)
        k = tuple(None if pd.isna(v) else v for v in k)
        out[k] = _digest(",".join(df.columns), np.sort(rows[idx]).tobytes())
    return out


#: Keys of ``run.json`` that are not what a report shows: where files were and their checksums.
META_NOT_SHOWN = ("files", "outputs", "reference_dir")


def code_digest() -> str:
    """One digest of the package's code, notebooks, templates and texts: a change to any of them (a fix
    without a new version number) rebuilds every report."""
    root = Path(__file__).resolve().parents[2]
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (
        ".py", ".ipynb", ".yaml", ".yml", ".csv", ".json", ".j2", ".tpl", ".html", ".css", ".js")
        and "__pycache__" not in p.parts and p.stat().st_size < 20_000_000)
    return _digest(*[f"{p.relative_to(root)}:{_sha256(p)}" for p in files])


class InputHasher:
    """Per-report input hashes of one processed folder and reference (computed once per batch)."""

    def __init__(self, store: Store, ref, notebook: Path) -> None:
        ind = store.load_indicators()
        self.key = ref.key
        table = ind.table.drop(columns=[c for c in ("source", "area_name") if c in ind.table])
        table["area_code"] = table["area_code"].astype(str)
        ctx = table["indicator"].isin(CONTEXT_INDICATORS)
        self.ind = _group_digests(table[~ctx], ["area_level", "area_code"])
        self.ind_context = _group_digests(table[ctx], ["area_level", "area_code"])
        regs = ind.registrations
        self.regs = _group_digests(regs.assign(area_code=regs["area_code"].astype(str)),
                                   ["area_level", "area_code"]) if len(regs) else {}
        mc = ind.municipality_counts.copy()
        mc["kunta_code"] = mc["kunta_code"].astype(str).str.zfill(3)
        self.counts = _group_digests(mc, ["kunta_code"])
        d = store.directory()
        self.directory = _group_digests(d.assign(municipality_code=d["municipality_code"].astype(str)),
                                        ["municipality_code"]) if len(d) else {}
        s = store.survey()
        self.survey: dict[tuple, str] = {}
        self.survey_areas: dict[tuple, str] = {}  # answers known only at a larger area (a county)
        if s is not None and len(s):
            s = s.assign(seutukunta_code=s["seutukunta_code"].astype("string"))
            keys = ["seutukunta_code"] + [c for c in ("area_level", "area_code") if c in s]
            for k, v in _group_digests(s, keys).items():
                if k[0] is not None:
                    self.survey[(k[0],)] = _digest(self.survey.get((k[0],), ""), v)
                elif len(k) == 3 and k[1] is not None and k[2] is not None:
                    self.survey_areas[(str(k[1]), str(k[2]))] = v
                else:
                    self.survey_areas[("", "")] = v  # no area at all: shown nowhere, counted everywhere
        self.survey_report = _digest(json.dumps(store.survey_report(), sort_keys=True, default=str))
        # national and district organisations, by every municipality their area of operation covers
        self.operating = self._operating(store)
        meta = store.meta()
        # row accounting, field problems, quality, source: everything run.json says that a report may show
        self.meta = _digest(json.dumps({k: v for k, v in meta.items() if k not in META_NOT_SHOWN}, sort_keys=True,
                                       default=str))
        self.code = code_digest()
        ref_files = sorted(p for p in Path(ref.folder).glob("*") if p.is_file())
        self.reference = _digest(*[f"{p.name}:{_sha256(p)}" for p in ref_files])
        self.notebook = _sha256(Path(notebook))
        from ...i18n import _strings

        self.texts = {lang: _digest(json.dumps({k: v.get(lang, v.get("fi")) for k, v in _strings().items()},
                                               sort_keys=True, ensure_ascii=False)) for lang in LANGUAGES}
        self.context = _digest(self.ind.get(("koko_maa", "SSS"), ""), *sorted(self.ind_context.values()))
        # the key as plain mappings, read once (a pandas lookup per report cost 3 s on 509 reports)
        key = self.key.astype({c: str for c in self.key.columns if c.endswith("_code")})
        self._key_rows = key.to_dict("records")
        self._subregion = dict(zip(key["kunta_code"], key["seutukunta_code"], strict=True))
        self._members: dict[tuple[str, str], list[str]] = {}

    @staticmethod
    def _operating(store: Store) -> dict[str, str]:
        """Digest of the national and district organisations whose area of operation covers each municipality."""
        import pandas as pd

        d = store.operating_in(store.directory()["municipality_code"].dropna().astype(str).unique().tolist()
                               + _all_codes(store))
        if not len(d):
            return {}
        d = d.drop(columns=["n_covered"]).astype(str)
        rows = pd.util.hash_pandas_object(d, index=False).to_numpy()
        by_code: dict[str, list[int]] = {}
        for i, codes in enumerate(d["operating_area_codes"].str.split("|")):
            for c in codes:
                by_code.setdefault(c, []).append(int(rows[i]))
        return {c: _digest(",".join(d.columns), ",".join(map(str, sorted(v)))) for c, v in by_code.items()}

    def members(self, level: str, code: str) -> list[str]:
        """The codes of the municipalities of area ``code`` of ``level``, sorted."""
        k = (level, code)
        if k not in self._members:
            col = f"{get_level(level).id}_code"
            self._members[k] = sorted(r["kunta_code"] for r in self._key_rows if r.get(col) == code)
        return self._members[k]

    def _members_or_none(self, level: str, code: str) -> list[str] | None:
        try:
            return self.members(level, code)
        except (ValueError, KeyError):
            return None

    def inputs(self, job: Job, params: dict) -> dict[str, str]:
        """The component hashes of one report's inputs."""
        mem = self.members(job.level, job.area)
        own = set(mem)
        subs = sorted({self._subregion[m] for m in mem})
        larger = [v for (lvl, code), v in sorted(self.survey_areas.items())
                  if lvl and (m := self._members_or_none(lvl, code)) and set(m) <= own]
        data = _digest(
            self.ind.get((job.level, job.area), ""), self.regs.get((job.level, job.area), ""),
            *[self.ind.get(("kunta", m), "") + self.counts.get((m,), "") + self.directory.get((m,), "")
              + self.operating.get(m, "") for m in mem],
            *[self.survey.get((s,), "") for s in subs], *larger, self.survey_areas.get(("", ""), ""),
            self.survey_report, self.meta)
        return {"data": data, "reference": self.reference, "notebook": self.notebook, "version": __version__,
                "code": self.code,
                "texts": self.texts[job.language],
                "parameters": _digest(json.dumps({k: v for k, v in params.items()
                                                  if k not in ("processed_dir", "reference_dir")}, sort_keys=True))}


def _all_codes(store: Store) -> list[str]:
    """Every municipality code an area of operation in the directory names (so none is missed)."""
    import pyarrow.parquet as pq

    from ...store import DIRECTORY

    p = store.file(DIRECTORY)
    if not p.exists() or "operating_area_codes" not in pq.read_schema(p).names:
        return []
    import pandas as pd

    codes = pd.read_parquet(p, columns=["operating_area_codes"])["operating_area_codes"].dropna().astype(str)
    return sorted({c for cs in codes.str.split("|") for c in cs})


def inputs_hash(inputs: dict[str, str]) -> str:
    """One hash over the component hashes."""
    return _digest(json.dumps(inputs, sort_keys=True))


# ---------------------------------------------------------------------------- publish
@dataclass
class PublicationResult:
    """What :func:`publish` did."""

    built: list[dict]
    skipped: list[dict]
    index: dict[str, str]
    manifest: str
    seconds: float

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.built if r.get("error")]


def _previous(out_dir: Path) -> dict:
    p = out_dir / MANIFEST
    try:
        m = json.loads(p.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return m.get("reports", {}) if m.get("kind") == KIND else {}


def publish(cfg: PublicationConfig, *, year: int, processed_dir: Path, out_dir: Path,
            reference_dir: Path | None = None, workers: int | None = None, force: bool = False,
            notebook: Path | None = None, self_contained: bool = False) -> PublicationResult:
    """Render the publication described by ``cfg``; skip reports whose inputs are unchanged.

    Parameters
    ----------
    cfg : PublicationConfig
        Levels, areas and languages (:func:`load_config`).
    year : int
        Municipality key year.
    processed_dir, out_dir : Path
        The processed folder (read through :class:`~..store.Store`) and the output folder.
    reference_dir : Path, optional
        Reference folder (default resolution of :func:`~..reference.load_reference`).
    workers : int, optional
        Worker processes, each with one warm kernel (default: cores).
    force : bool
        Rebuild every report.
    notebook : Path, optional
        The report notebook (default: the packaged regional report).
    self_contained : bool
        Inline plotly.js in every report.

    Returns
    -------
    PublicationResult
    """

    started = time.time()
    out_dir = Path(out_dir)
    locks = check_inputs(processed_dir, out_dir, notebook)
    try:
        return _publish(cfg, year, processed_dir, out_dir, reference_dir, workers, force, notebook, self_contained,
                        started)
    finally:
        release_locks(locks)


def _publish(cfg: PublicationConfig, year: int, processed_dir: Path, out_dir: Path, reference_dir: Path | None,
             workers: int | None, force: bool, notebook: Path | None, self_contained: bool,
             started: float) -> PublicationResult:
    from ...reference import load_reference

    ref = load_reference(year, reference_dir)
    store = Store(processed_dir)
    nb = Path(notebook) if notebook else default_notebook()
    jobs = plan(ref, cfg)
    previous = {} if force else _previous(out_dir)
    skipped: list[dict] = []
    entries: dict[str, dict] = {}
    hasher: InputHasher | None = None

    def find_todo() -> list[dict]:
        """The reports whose inputs changed (the workers start their kernels meanwhile)."""
        nonlocal hasher
        hasher = InputHasher(store, ref, nb)
        todo = []
        for job in jobs:
            params = report_params(job.level, job.area, year, job.language, processed_dir, ref.folder)
            inputs = hasher.inputs(job, params)
            h = inputs_hash(inputs)
            old = previous.get(job.stem)
            html = out_dir / f"{job.stem}.html"
            entry = {"level": job.level, "area": job.area, "language": job.language, "inputs": inputs,
                     "inputs_hash": h, "context": hasher.context}
            if old and old.get("inputs_hash") == h and not old.get("error") and html.is_file():
                entries[job.stem] = {**old, "context_changed": old.get("context") != hasher.context}
                skipped.append(entries[job.stem])
            else:
                entries[job.stem] = entry
                todo.append({"stem": job.stem, "level": job.level, "area": job.area, "language": job.language,
                             "params": params})
        if not self_contained:
            install_assets(out_dir)
        # the longest reports first (the country, then the largest areas), so no worker is left with one at the end
        todo.sort(key=lambda j: -len(hasher.members(j["level"], j["area"])))
        return todo

    workers = cap_workers(workers, len(jobs))  # never more processes than reports, cores or memory allow
    built = run_jobs(find_todo, workers, nb, out_dir, self_contained)
    for r in built:
        entries[r["stem"]].update({k: r[k] for k in ("html", "executed", "seconds", "error", "error_name",
                                                     "error_value")},
                                  built=time.strftime("%Y-%m-%dT%H:%M:%S"))
        if r["error"]:
            entries[r["stem"]]["inputs_hash"] = None  # never skipped next time
    from .folder_index import carry_over, index_path, stem, write_folder_index

    languages = tuple(sorted({j.language for j in jobs}, key=LANGUAGES.index))
    index = {lang: index_path(out_dir, lang) for lang in languages}
    for r in carry_over(out_dir, MANIFEST, set(entries)):  # reports of earlier runs stay listed
        entries.setdefault(stem(r["level"], r["area"], r["language"]), r | {"inputs_hash": None})
    manifest = out_dir / MANIFEST
    _atomic_write(manifest, json.dumps({
        "kind": KIND, "version": __version__, "year": year,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "seconds": round(time.time() - started, 2), "workers": workers, "force": force,
        "processed_dir": str(store.path), "reference_dir": str(ref.folder), "notebook": str(nb),
        "built": len(built), "skipped": len(skipped), "index": {k: str(v) for k, v in index.items()},
        "reports": entries,
        "errors": {r["stem"]: r["error"] for r in built if r["error"]},
    }, ensure_ascii=False, indent=2, default=str))
    index = write_folder_index(out_dir, ref, synthetic=store.synthetic, cfg=cfg, languages=languages)
    return PublicationResult(built, skipped, {k: str(v) for k, v in index.items()}, str(manifest),
                             time.time() - started)


# ---------------------------------------------------------------------------- index
def _links(ref, cfg: PublicationConfig, level: str) -> tuple[str | None, str | None]:
    """The levels an area of ``level`` links up and down to in the index (publication config)."""
    if level in cfg.extra_links:
        return cfg.extra_links[level].get("up"), cfg.extra_links[level].get("down")
    if level not in cfg.hierarchy:
        return None, None
    i = cfg.hierarchy.index(level)
    return (cfg.hierarchy[i - 1] if i > 0 else None,
            cfg.hierarchy[i + 1] if i + 1 < len(cfg.hierarchy) else None)
