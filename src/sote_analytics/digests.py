"""Digests of files, folders, the package's code and a run's inputs (standard library only).

A run is skipped when the digest of its inputs equals the one recorded by the previous run
(:meth:`.store.Store.unchanged`, :mod:`.run_record`); a report is rebuilt when the digest of
its own inputs changed (:class:`.report.render.publication.InputHasher`). The digests are
defined here once, and this module imports nothing heavier than :mod:`hashlib`, so the
command line can tell "nothing changed" before it imports pandas.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .atomic import file_sha256

#: Verified files: (device, inode, mtime, size) -> sha256 (a process hashes a file once while it is unchanged).
_VERIFIED: dict[tuple[str, int, int, int], str] = {}


def cached_sha256(path: Path | str) -> str:
    """sha256 of a file, computed once per process while its size and modification time stay the same.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("a")
    >>> cached_sha256(p) == cached_sha256(p) == file_sha256(p)
    True
    """
    p = Path(path)
    st = p.stat()  # by inode: a file renamed into place (a transaction's swap) keeps its checksum
    k = (str(st.st_dev), st.st_ino, st.st_mtime_ns, st.st_size)
    if k not in _VERIFIED:
        _VERIFIED[k] = file_sha256(p)
    return _VERIFIED[k]


def _hash_file(h, path: Path) -> None:
    h.update(f"{path.name}\0{path.stat().st_size}\0{cached_sha256(path)}\0".encode())


def _hash_folder(h, folder: Path) -> None:
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            h.update(p.relative_to(folder).as_posix().encode() + b"\0")
            _hash_file(h, p)


def folder_digest(folder: Path | str) -> str:
    """sha256 of every file of a folder (names and contents, caches excluded).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("x")
    >>> a = folder_digest(d)
    >>> _ = (d / "a.csv").write_text("y")
    >>> a == folder_digest(d)
    False
    """
    h = hashlib.sha256()
    _hash_folder(h, Path(folder))
    return h.hexdigest()


def code_digest() -> str:
    """sha256 of the package's own files (code, rules, notebooks, templates, texts, embedded data) and its version.

    Returns
    -------
    str
        Hex digest; a changed rule, template or line of code changes it (a fix without a new
        version number rebuilds what it may change).

    Examples
    --------
    >>> len(code_digest()), code_digest() == code_digest()
    (64, True)
    """
    from . import __version__

    h = hashlib.sha256(f"sote-analytics {__version__}\0".encode())
    _hash_folder(h, Path(__file__).parent)
    return h.hexdigest()


def parts_digest(*parts: str) -> str:
    """sha256 of ``parts`` and the package's code (:func:`code_digest`): the key of a derived file that
    is kept while what it is made of stays the same.

    Parameters
    ----------
    *parts : str
        What the file is made of.

    Returns
    -------
    str
        Hex digest.

    Examples
    --------
    >>> parts_digest("a", "b") == parts_digest("a", "b"), parts_digest("a", "b") == parts_digest("ab")
    (True, False)
    """
    return hashlib.sha256("\0".join([*parts, code_digest()]).encode()).hexdigest()


def inputs_digest(files: dict, options: dict, reference_folder: Path | str | None) -> str:
    """The digest of a run's inputs: a run with the same digest would write the same outputs.

    Parameters
    ----------
    files : dict of str to Path or None
        The input files by role (register, survey, activity, STEA, mapping, corrections, previous
        snapshot): each one's resolved path and sha256 count.
    options : dict
        Every other option that changes the output (JSON-serialisable).
    reference_folder : Path, optional
        The reference data: every file's name and sha256 count.

    Returns
    -------
    str
        Hex sha256 of the files, the options, the reference and :func:`code_digest`.

    Examples
    --------
    >>> a = inputs_digest({"register": None}, {"survey_k": 5}, None)
    >>> a == inputs_digest({"register": None}, {"survey_k": 5}, None), a == inputs_digest({}, {"survey_k": 6}, None)
    (True, False)
    """
    h = hashlib.sha256(code_digest().encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    for role, path in sorted(files.items()):
        h.update(f"\0{role}\0".encode())
        if path is not None:
            p = Path(path)
            h.update(str(p.resolve()).encode() + b"\0")
            _hash_file(h, p)
    if reference_folder is not None:
        folder = Path(reference_folder).resolve()
        h.update(f"\0reference\0{folder}\0".encode())
        _hash_folder(h, folder)
    return h.hexdigest()
