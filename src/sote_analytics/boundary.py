"""One boundary for user errors: paths, options and config files checked before any work.

Every command of :mod:`.cli` calls these at its top. Each check raises
:class:`UserInputError` (a :class:`~.errors.SoteAnalyticsError`) with a message
that names the option, the value and the fix; the console script prints it as
one ``error:`` line and exits with status 2. :func:`os_error_message` turns an
``OSError`` met while writing (a full disk, a read-only folder) into the same
kind of line.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import SoteAnalyticsError


class UserInputError(SoteAnalyticsError, ValueError):
    """A path, option or config file given by the user cannot be used."""


def one_line(message: object) -> str:
    """``message`` on one line (runs of whitespace, newlines included, become one space).

    Examples
    --------
    >>> one_line("a\\n   b  c")
    'a b c'
    """
    return " ".join(str(message).split())


def input_file(path: Path | None, option: str, *, suffixes: Iterable[str] | None = None) -> Path | None:
    """Check that ``path`` (when given) is an existing, readable file.

    Parameters
    ----------
    path : Path or None
        The value given; None (option not given) passes.
    option : str
        How the user gave it (``--survey``, ``REGISTER``), named in the message.
    suffixes : iterable of str, optional
        Accepted file name endings (``.parquet``); any when None.

    Returns
    -------
    Path or None
        ``path`` unchanged.

    Examples
    --------
    >>> input_file(None, "--survey") is None
    True
    >>> input_file(Path("/nonexistent/x.csv"), "--survey")
    Traceback (most recent call last):
    ...
    sote_analytics.boundary.UserInputError: --survey /nonexistent/x.csv: no such file
    """
    if path is None:
        return None
    p = Path(path)
    if p.is_dir():
        raise UserInputError(f"{option} {p}: is a folder, not a file")
    if not p.is_file():
        raise UserInputError(f"{option} {p}: no such file")
    if not os.access(p, os.R_OK):
        raise UserInputError(f"{option} {p}: not readable (check its permissions)")
    if suffixes is not None:
        ok = tuple(s.lower() for s in suffixes)
        if not p.name.lower().endswith(ok):
            raise UserInputError(f"{option} {p}: expected a {' or '.join(ok)} file")
    if option in CONTENT_CHECKS:
        CONTENT_CHECKS[option](p, option)
    return p


def csv_columns(path: Path, option: str, required: Iterable[str], what: str) -> list[str]:
    """The header of the CSV ``path``, checked to hold every column of ``required``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = f.write_text("id,participants\\n1,3\\n")
    >>> try:
    ...     csv_columns(f, "--activity", ["association_id"], "activity figures")
    ... except UserInputError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    no association_id column (an activity figures file has association_id and its figures)
    """
    import pandas as pd

    try:
        header = [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise UserInputError(f"{option} {path}: not a readable CSV ({one_line(exc)[:160]})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise UserInputError(f"{option} {path}: no {', '.join(missing)} column (an {what} file has "
                             f"{', '.join(required)} and its figures)")
    return header


def _activity_file(path: Path, option: str) -> None:
    """``--activity``: a CSV by ``association_id`` (read as it is by the indicators, so checked here)."""
    csv_columns(path, option, ["association_id"], "activity figures")


#: Files that a command reads with pandas as they are (no reader of their own): their content is checked
#: with their path, before any work.
CONTENT_CHECKS = {"--activity": _activity_file}


def input_dir(path: Path | None, option: str) -> Path | None:
    """Check that ``path`` (when given) is an existing folder."""
    if path is None:
        return None
    p = Path(path)
    if not p.exists():
        raise UserInputError(f"{option} {p}: no such folder")
    if not p.is_dir():
        raise UserInputError(f"{option} {p}: is a file, not a folder")
    return p


def _existing_ancestor(p: Path) -> Path:
    q = p.absolute()
    while not q.exists() and q != q.parent:
        q = q.parent
    return q


def _probe_writable(folder: Path, option: str, shown: Path) -> None:
    """Create and remove a file in ``folder``: the only test that holds for root and read-only mounts."""
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".sote-write-check.")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise UserInputError(f"{option} {shown}: cannot write in {folder} ({exc.strerror or exc}); "
                             "choose a folder you can write to") from None


def output_dir(path: Path | None, option: str) -> Path | None:
    """Check that ``path`` (when given) is a folder that exists or can be created, and is writable.

    A file where the folder (or one of its parents) should be, a read-only folder and a
    folder without write permission are refused before any work.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "f").write_text("x")
    1
    >>> output_dir(d / "new" / "deeper", "--out-dir") == d / "new" / "deeper"
    True
    >>> output_dir(d / "f", "--out-dir")
    Traceback (most recent call last):
    ...
    sote_analytics.boundary.UserInputError: --out-dir ...f: is a file, not a folder
    """
    if path is None:
        return None
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UserInputError(f"{option} {p}: is a file, not a folder")
    base = _existing_ancestor(p)
    if not base.is_dir():
        raise UserInputError(f"{option} {p}: {base} is a file, not a folder")
    _probe_writable(base, option, p)
    return p


def output_file(path: Path | None, option: str) -> Path | None:
    """Check that ``path`` (when given) can be written as a file: not a folder, in a writable folder."""
    if path is None:
        return None
    p = Path(path)
    if p.is_dir():
        raise UserInputError(f"{option} {p}: is a folder, not a file")
    output_dir(p.parent, option)
    return p


def choice(value: str | None, option: str, choices: Iterable[str]) -> str | None:
    """Check that ``value`` (when given) is one of ``choices``.

    Examples
    --------
    >>> choice("xx", "--language", ("fi", "sv", "en"))
    Traceback (most recent call last):
    ...
    sote_analytics.boundary.UserInputError: --language must be fi, sv or en, not 'xx'
    """
    if value is None:
        return None
    ch = list(choices)
    if value not in ch:
        listed = ", ".join(ch[:-1]) + f" or {ch[-1]}" if len(ch) > 1 else ch[0]
        raise UserInputError(f"{option} must be {listed}, not {value!r}")
    return value


def at_least(value: int | float | None, option: str, minimum: int | float) -> int | float | None:
    """Check that ``value`` (when given) is at least ``minimum``.

    Examples
    --------
    >>> at_least(-1, "--workers", 1)
    Traceback (most recent call last):
    ...
    sote_analytics.boundary.UserInputError: --workers must be at least 1, not -1
    """
    if value is not None and value < minimum:
        raise UserInputError(f"{option} must be at least {minimum}, not {value}")
    return value


def parquet_file(path: Path | None, option: str) -> Path | None:
    """Check that ``path`` is an existing Parquet file (its magic bytes, not only its name)."""
    p = input_file(path, option)
    if p is None:
        return None
    try:
        with open(p, "rb") as fh:
            head = fh.read(4)
            fh.seek(max(0, p.stat().st_size - 4))
            tail = fh.read(4)
    except OSError as exc:
        raise UserInputError(f"{option} {p}: cannot read ({exc.strerror or exc})") from None
    if head != b"PAR1" or tail != b"PAR1" or p.stat().st_size < 12:
        raise UserInputError(f"{option} {p}: not a Parquet file (give the .parquet that `ingest` or "
                             "`register fetch` wrote)")
    return p


def yaml_mapping(path: Path, option: str) -> dict:
    """Read ``path`` as YAML and check that it is a mapping (not a list, a string or a CSV).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "p.yaml"
    >>> _ = f.write_text("- a\\n- b\\n")
    >>> try:
    ...     yaml_mapping(f, "--publication")
    ... except UserInputError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    expected a YAML mapping (key: value lines), found a list
    """
    import yaml

    from .config import load_yaml

    p = input_file(path, option)
    try:
        raw = load_yaml(p.read_text("utf-8"))
    except UnicodeDecodeError:
        raise UserInputError(f"{option} {p}: not a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        raise UserInputError(f"{option} {p}: not valid YAML ({one_line(exc)[:160]})") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        kind = {list: "a list", str: "a single text", int: "a number", float: "a number",
                bool: "a yes/no value"}.get(type(raw), type(raw).__name__)
        raise UserInputError(f"{option} {p}: expected a YAML mapping (key: value lines), found {kind}")
    return raw


def cap_workers(workers: int | None, jobs: int, *, per_worker_mb: int = 300) -> int:
    """Worker processes for ``jobs`` reports: at most one per job, per core and per ``per_worker_mb`` MB of
    available memory; at least one.

    Examples
    --------
    >>> cap_workers(10, 2)
    2
    >>> cap_workers(None, 0)
    1
    """
    n = workers if workers and workers > 0 else (os.cpu_count() or 1)
    n = min(n, max(1, jobs))
    mem = _available_mb()
    if mem is not None:
        n = min(n, max(1, mem // per_worker_mb))
    return max(1, n)


def _available_mb() -> int | None:
    """Available memory in MB (Linux ``/proc/meminfo``), None elsewhere."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


#: errno values a user's environment causes while writing: named in one line, never a traceback.
USER_ERRNOS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
               errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
               errno.EROFS: "the file system is read-only", errno.ENOTDIR: "a file is where a folder should be",
               errno.EEXIST: "a file is where a folder should be", errno.EISDIR: "a folder is where a file should be",
               errno.ENOENT: "no such file or folder", errno.ENAMETOOLONG: "the file name is too long"}


def os_error_message(exc: OSError) -> str | None:
    """One line for an ``OSError`` a user's environment causes (full disk, permissions), or None.

    Examples
    --------
    >>> import errno
    >>> os_error_message(OSError(errno.ENOSPC, "No space left on device", "/out/x.csv"))
    'cannot write /out/x.csv: the disk is full (No space left on device); free some space and re-run'
    """
    what = USER_ERRNOS.get(exc.errno or -1)
    if what is None:
        return None
    where = exc.filename if exc.filename is not None else "a file"
    fix = {errno.ENOSPC: "free some space and re-run", errno.EDQUOT: "free some space and re-run",
           errno.ENOENT: "check the path"}.get(exc.errno, "choose a folder you can write to")
    verb = "cannot read or write" if exc.errno == errno.ENOENT else "cannot write"
    return one_line(f"{verb} {where}: {what} ({exc.strerror or exc}); {fix}")
