"""The manifest of an output folder: one format for every way of making reports, with a migration.

``manifest.json`` (format 2) records every report of the folder by its stem, whoever made it (a
one-area ``report``, a ``run``, the whole publication): its level, area, language, HTML file,
the hash of its inputs (so that the next run rebuilds only what changed), the key figures the
index shows, the register it was made from (``source`` and its date) and its error, if any.
The runs that wrote the folder are listed under ``runs`` (newest last, at most
:data:`MAX_RUNS`).

Earlier versions wrote two formats: a batch wrote ``manifest.json`` (or ``manifest_<lang>.json``)
with ``reports`` as a list, a publication ``manifest.json`` with ``kind`` and ``reports`` by
stem. :func:`read_manifest` reads all of them into format 2; :func:`write_manifest` writes
format 2 and removes the old per-language files it has absorbed.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> rec = {"level": "kunta", "area": "091", "language": "fi", "html": "kunta_091.html", "inputs_hash": "ab"}
>>> _ = write_manifest(d, {"kunta_091": rec}, {"started": "2026-12-02T10:00:00"})
>>> m = read_manifest(d)
>>> m["format"], list(m["reports"]), m["reports"]["kunta_091"]["inputs_hash"]
(2, ['kunta_091'], 'ab')
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ... import __version__
from ...atomic import atomic_write_text
from ...filenames import MANIFEST, stem
from ...i18n import LANGUAGES

FORMAT = 2
KIND = "sote-analytics reports"
#: Format 1 per-language batch manifests, read once and then removed.
OLD_MANIFESTS = tuple(f"manifest_{lang}.json" for lang in LANGUAGES if lang != "fi")
MAX_RUNS = 20


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _migrate(old: dict) -> dict[str, dict]:
    """The report records of a format 1 manifest (a batch's list or a publication's mapping) by stem."""
    reports = old.get("reports") or []
    items = list(reports.values()) if isinstance(reports, dict) else list(reports)
    lang = str(old.get("language", "fi"))
    started = str(old.get("started", ""))
    out: dict[str, dict] = {}
    for r in items:
        if not isinstance(r, dict) or not r.get("level") or not r.get("area"):
            continue
        rec = dict(r)
        rec["language"] = str(rec.get("language") or lang)
        rec["built"] = str(rec.get("built") or started)
        rec.setdefault("inputs_hash", None)  # a batch recorded none: rebuilt once, then incremental
        rec.setdefault("figures", {})
        if old.get("processed_dir") and "processed_dir" not in rec:
            rec["processed_dir"] = old["processed_dir"]
        out[stem(str(rec["level"]), str(rec["area"]), rec["language"])] = rec
    return out


def present(out_dir: Path | str, rec: dict) -> bool:
    """A record worth keeping: its HTML exists in ``out_dir``, or it failed (the index says so)."""
    html = rec.get("html")
    return bool(rec.get("error")) or bool(html and (Path(out_dir) / Path(str(html)).name).is_file())


def read_manifest(out_dir: Path | str) -> dict:
    """The folder's manifest in format 2 (empty when there is none), migrating older manifests.

    Parameters
    ----------
    out_dir : Path or str
        The output folder.

    Returns
    -------
    dict
        ``format``, ``kind``, ``runs`` (list) and ``reports`` (records by stem; for a report named
        in several old manifests, the newest record).
    """
    out_dir = Path(out_dir)
    main = _read(out_dir / MANIFEST)
    if main.get("format") == FORMAT:
        reports = dict(main.get("reports") or {})
        runs = list(main.get("runs") or [])
    else:
        reports = _migrate(main) if main else {}
        runs = [{k: v for k, v in main.items() if k not in ("reports", "errors")}] if main else []
    for name in OLD_MANIFESTS:
        old = _read(out_dir / name)
        for key, rec in _migrate(old).items():
            if key not in reports or str(rec.get("built", "")) >= str(reports[key].get("built", "")):
                reports[key] = rec
        if old:
            runs.append({k: v for k, v in old.items() if k not in ("reports", "errors")})
    return {"format": FORMAT, "kind": KIND, "runs": runs, "reports": reports}


def write_manifest(out_dir: Path | str, reports: dict[str, dict], run: dict, into: Path | None = None) -> Path:
    """Write ``manifest.json`` (format 2): ``reports`` by stem and this ``run`` appended to the earlier runs.

    Parameters
    ----------
    out_dir : Path or str
        The output folder.
    reports : dict
        Every report of the folder by stem (the caller merges the earlier records it keeps).
    run : dict
        What this run was (started, seconds, workers, processed folder, built and skipped counts).
    into : Path, optional
        Write the file into this folder instead (a staging folder: the caller moves it in with
        :func:`move_in` once the reports it names are in place).

    Returns
    -------
    Path
        The manifest written (atomically); older per-language manifests are removed.
    """
    out_dir = Path(out_dir)
    runs = (read_manifest(out_dir)["runs"] + [{"version": __version__, **run}])[-MAX_RUNS:]
    path = Path(into or out_dir) / MANIFEST
    atomic_write_text(path, json.dumps({"format": FORMAT, "kind": KIND, "version": __version__, "runs": runs,
                                        "reports": reports}, ensure_ascii=False, indent=2, default=str))
    if into is None:
        move_in(path, out_dir)
    return path


def move_in(staged: Path, out_dir: Path | str) -> Path:
    """Put a manifest written with ``into`` in place (a rename: no disk space needed) and remove the older
    per-language manifests it absorbed."""
    target = Path(out_dir) / MANIFEST
    if Path(staged) != target:
        os.replace(staged, target)
    for name in OLD_MANIFESTS:
        (Path(out_dir) / name).unlink(missing_ok=True)
    return target
