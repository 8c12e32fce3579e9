"""What a ``run`` read and wrote, so that the same run again does nothing, in a fraction of a second.

After a complete ``run`` (every report built), the output folder gets ``run_record.json``: the
digest of the run's inputs (every input file's bytes, every option that changes an output, how
the reference data was chosen, the package's code, :mod:`.digests`), the digest of the
reference folder it used, and the size and modification time of every file it left in the
output folder. The same command again finds the record, recomputes the digests, walks the
folder and, when all of it is as recorded, says so and exits: nothing is read, computed or
written. Anything different (one byte of the register, another option, a new reference, a
changed line of code, a report deleted or edited, a file added by another command) and the
run goes on as usual, and the record is removed until the run completes again.

This module imports only the standard library and :mod:`.digests`: the check runs before
pandas is imported.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

from . import config
from .atomic import atomic_write_text
from .digests import cached_sha256, folder_digest, inputs_digest

#: The record's file name, in the output folder.
RECORD = "run_record.json"
FORMAT = 1


def reference_choice(reference_dir: Path | str | None, cache_dir: Path | str | None = None) -> dict:
    """What decides which reference folder a run reads (:func:`.reference.loader.resolve_reference`):
    the folder given, ``$SOTE_REFERENCE_DIR``, and the download cache's manifest.

    Examples
    --------
    >>> sorted(reference_choice(None))
    ['cache_manifest', 'env', 'given']
    """
    cache = Path(cache_dir) if cache_dir else config.default_paths().reference_cache
    manifest = cache / "manifest.json"
    return {"given": str(Path(reference_dir).resolve()) if reference_dir else None,
            "env": os.environ.get(config.REFERENCE_DIR_ENV) or None,
            "cache_manifest": cached_sha256(manifest) if manifest.is_file() else None}


def run_key(files: dict[str, Path | None], options: dict, reference_dir: Path | str | None) -> str:
    """The digest of one ``run`` invocation: its input files, its options, the reference choice and the code.

    Parameters
    ----------
    files : dict of str to Path or None
        The input files by role (register, survey, ...).
    options : dict
        Every option that changes an output (not ``--workers``).
    reference_dir : Path, optional
        ``--reference-dir``.

    Returns
    -------
    str
        Hex sha256.

    Examples
    --------
    >>> run_key({"register": None}, {"level": "kunta"}, None) == run_key({"register": None}, {"level": "kunta"}, None)
    True
    >>> run_key({}, {"level": "kunta"}, None) == run_key({}, {"level": "maakunta"}, None)
    False
    """
    return inputs_digest(files, {"job": "run", **options, "reference": reference_choice(reference_dir)}, None)


def outputs_state(out_dir: Path) -> dict[str, list[int]]:
    """Every file under ``out_dir`` (hidden ones, such as locks, and the record excluded): size and mtime.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "reports").mkdir(), (d / "reports" / "a.html").write_text("x"), (d / ".lock").write_text("1")
    >>> list(outputs_state(d))
    ['reports/a.html']
    """
    out: dict[str, list[int]] = {}
    root = Path(out_dir)
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_dir(follow_symlinks=False):
                stack.append(Path(e.path))
            elif folder != root or e.name != RECORD:
                st = e.stat(follow_symlinks=False)
                out[Path(e.path).relative_to(root).as_posix()] = [st.st_size, st.st_mtime_ns]
    return dict(sorted(out.items()))


def write_record(out_dir: Path, key: str, reference_folder: Path | str, console: list, summary: dict) -> Path:
    """Record a complete run in ``out_dir`` (written last, after every output).

    ``console`` holds the lines the run printed about its input (said again by a run that does
    nothing); ``summary`` what it made (reports, workbooks, the index).
    """
    folder = Path(reference_folder).resolve()
    record = {"format": FORMAT, "key": key, "written": time.strftime("%Y-%m-%d %H:%M:%S"),
              "reference_folder": str(folder), "reference_digest": folder_digest(folder),
              "console": console, "summary": summary, "outputs": outputs_state(out_dir)}
    path = Path(out_dir) / RECORD
    atomic_write_text(path, json.dumps(record, ensure_ascii=False, indent=1))
    return path


def up_to_date(out_dir: Path, key: str) -> dict | None:
    """The record of the previous run when running again would change nothing, else None.

    Nothing changed means: the same :func:`run_key`, the same reference folder contents, and every
    file in ``out_dir`` as the run left it (none added, removed, resized or touched).
    """
    path = Path(out_dir) / RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("key") != key:
        return None
    folder = Path(str(record.get("reference_folder", "")))
    if not folder.is_dir() or folder_digest(folder) != record.get("reference_digest"):
        return None
    if outputs_state(out_dir) != record.get("outputs"):
        return None
    return record


def forget(out_dir: Path) -> None:
    """Remove the record: a run that goes on leaves none until it completes."""
    with contextlib.suppress(FileNotFoundError):
        (Path(out_dir) / RECORD).unlink()
