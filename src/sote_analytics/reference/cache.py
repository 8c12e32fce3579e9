"""The reference cache: its parts, its manifest, whether it is complete, and the writer.

The cache has the layout of a reference folder (see :mod:`.loader`) plus a
``manifest.json`` with every part's status, URLs, retrieval time, licence and a
SHA-256 of every file. The municipality key file the loader reads is written only
when both ``key`` and ``hierarchy`` are there; the manifest's ``complete`` is true
only when every part of :data:`PARTS` is, and the loader uses a cache only then
(:func:`cache_is_complete`). Nothing here opens a network connection.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import config
from ..atomic import atomic_write_text
from ..net import now_iso

LICENCE = "CC BY 4.0 (Statistics Finland; THL; boundaries Statistics Finland / National Land Survey)"

#: The parts of a reference cache, in fetch order.
PARTS = ("key", "hierarchy", "boundaries", "population", "mergers")

#: Parts that may fail without making the cache incomplete (fetched by default too).
OPTIONAL_PARTS = ("age",)

#: Every part, in fetch order.
ALL_PARTS = (*PARTS, *OPTIONAL_PARTS)

#: What each part is, for messages.
PART_LABELS = {
    "key": "municipality list (classification service)",
    "hierarchy": "area hierarchy (classification service correspondences)",
    "boundaries": "municipal boundaries (geo.stat.fi WFS)",
    "population": "population (PxWeb 11ra, else Sotkanet)",
    "mergers": "municipality mergers (yearly municipality lists)",
    "age": "population by age group (PxWeb 11re; optional)",
}

MANIFEST = "manifest.json"


def read_manifest(cache_dir: Path | str) -> dict | None:
    """The cache's manifest, or None if there is none or it cannot be read."""
    path = Path(cache_dir) / MANIFEST
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def cache_is_complete(cache_dir: Path | str, year: int) -> tuple[bool, str]:
    """Whether a fetched cache holds every part for ``year``, with the reason if not.

    Every file listed in the manifest must exist with its recorded SHA-256.
    """
    man = read_manifest(cache_dir)
    if man is None:
        return False, "no readable manifest.json"
    if man.get("year") != year:
        return False, f"the cache is for {man.get('year')}, not {year}"
    failed = [p for p in PARTS if man.get("parts", {}).get(p, {}).get("status") != "ok"]
    if failed:
        return False, "parts missing or failed: " + ", ".join(failed)
    for name, digest in man.get("files", {}).items():
        path = Path(cache_dir) / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return False, f"{name} is missing or changed since the fetch"
    if not man.get("complete"):
        return False, "the manifest does not say complete"
    return True, "complete"


@dataclass
class CacheWriter:
    """Writes a reference cache part by part and keeps its manifest (``manifest.json``) up to date."""

    folder: Path
    year: int
    manifest: dict = field(default_factory=dict)

    def load(self) -> None:
        old = read_manifest(self.folder)
        if old and old.get("year") == self.year and old.get("version") == 2:
            self.manifest = old
        else:
            self.manifest = {"version": 2, "year": self.year, "parts": {}, "files": {}}
        self.manifest.update({"licence": LICENCE, "attribution": config.REFERENCE_ATTRIBUTION})

    def write(self, part: str, files: dict[str, str], info: dict, requests: list[dict]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.manifest["parts"].get(part, {}).get("files", []):
            if old not in files:
                (self.folder / old).unlink(missing_ok=True)
                self.manifest["files"].pop(old, None)
        for name, text in files.items():
            atomic_write_text(self.folder / name, text)
            self.manifest["files"][name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.manifest["parts"][part] = {"status": "ok", "files": sorted(files), "retrieved": now_iso(),
                                        "requests": requests, **info}
        self.save()

    def fail(self, part: str, error: str, requests: list[dict]) -> None:
        prev = self.manifest["parts"].get(part, {})
        self.manifest["parts"][part] = {"status": "failed", "error": error, "retrieved": now_iso(),
                                        "requests": requests,
                                        # files of an earlier good fetch stay listed (and in place)
                                        "files": prev.get("files", [])}
        self.save()

    def save(self) -> None:
        parts = self.manifest["parts"]
        self.manifest["complete"] = all(parts.get(p, {}).get("status") == "ok" for p in PARTS) and \
            f"municipality_key_{self.year}.csv" in self.manifest["files"]
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.folder / MANIFEST, json.dumps(self.manifest, ensure_ascii=False, indent=2))

    def assemble_key(self, failed: dict[str, str]) -> None:
        """Write the municipality key the loader reads (list + hierarchy), or remove it; then save.

        The key is written only when both parts are there and cover the same municipalities
        (else ``failed["hierarchy"]`` says why); a key is never left next to a part that did
        not validate.
        """
        key, hier = self.read_csv("key"), self.read_csv("hierarchy")
        key_name = f"municipality_key_{self.year}.csv"
        if key is not None and hier is not None:
            only = sorted(set(key["kunta"]) ^ set(hier["kunta"]))
            if only:
                failed["hierarchy"] = f"hierarchy and municipality list differ in municipalities {only[:10]}"
                self.fail("hierarchy", failed["hierarchy"], [])
            else:
                text = csv_text(key.merge(hier, on="kunta").assign(year=self.year))
                atomic_write_text(self.folder / key_name, text)
                self.manifest["files"][key_name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if key_name in self.manifest["files"] and (key is None or hier is None or "hierarchy" in failed):
            (self.folder / key_name).unlink(missing_ok=True)  # never a key next to a part that did not validate
            self.manifest["files"].pop(key_name)
        self.save()

    def read_csv(self, part: str) -> pd.DataFrame | None:
        p = self.manifest["parts"].get(part, {})
        if p.get("status") != "ok" or not p.get("files"):
            return None
        return pd.read_csv(self.folder / p["files"][0], dtype=str, keep_default_na=False)


def csv_text(df: pd.DataFrame) -> str:
    """A frame as the cache writes it: CSV, no index, ``\\n`` line ends."""
    return df.to_csv(index=False, lineterminator="\n")
