"""Write files atomically: into a temporary file beside the target, then rename.

A reader (or a crash) never sees a half-written file; on failure nothing is left behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


@contextmanager
def atomic_path(target: Path | str, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "x.txt") as tmp:
    ...     _ = tmp.write_text("done")
    >>> (d / "x.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('done', ['x.txt'])
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(target: Path | str, text: str) -> None:
    """Write UTF-8 text to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def file_sha256(path: Path | str) -> str:
    """sha256 of a file, read in 1 MB blocks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("a")
    >>> file_sha256(p)[:12]
    'ca978112ca1b'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class FolderBusyError(OSError):
    """Another process holds the lock of a folder (a second run into the same output folder)."""


#: Locks this process holds: lock file -> open file descriptor (flock is released when it is closed,
#: or when the process dies, however it dies).
_HELD: dict[str, int] = {}


def acquire_lock(lock_file: Path | str, what: str, *, shared: bool = False) -> bool:
    """Take the exclusive lock ``lock_file`` (created if needed) or fail at once with a clear message.

    The lock is an ``flock`` on an open file: it is released by :func:`release_lock`, or by the
    kernel when the process ends, even by ``kill -9``; a stale lock file never blocks a later run.
    Taking a lock this process already holds is a no-op. ``shared`` locks (readers: a report batch
    reading a processed folder) exclude an exclusive one (a run writing it), not each other.

    Returns
    -------
    bool
        True when the lock was taken now, False when this process held it already.

    Raises
    ------
    FolderBusyError
        When another process holds it; the message names ``what`` and that process.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / ".lock"
    >>> acquire_lock(f, "the folder"), acquire_lock(f, "the folder")
    (True, False)
    >>> release_lock(f)
    """
    import fcntl

    key = str(Path(lock_file).absolute())
    if key in _HELD:
        return False
    Path(key).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        try:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
        finally:
            os.close(fd)
        raise FolderBusyError(f"another sote-analytics run (pid {holder}) is using {what}; wait for it to "
                              "finish, or choose another --out-dir") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    _HELD[key] = fd
    return True


def release_lock(lock_file: Path | str) -> None:
    """Release a lock taken by :func:`acquire_lock` (nothing if this process does not hold it)."""
    fd = _HELD.pop(str(Path(lock_file).absolute()), None)
    if fd is not None:
        os.close(fd)


def forget_inherited_locks() -> None:
    """In a forked child (a report worker): close the parent's lock descriptors without unlocking them.

    An ``flock`` belongs to the open file, which a fork shares: a child that kept the descriptors
    would hold the parent's locks after the parent released them (the parent's next lock of the
    same folder would then fail). Closing a shared descriptor never unlocks the parent's lock.
    """
    for fd in _HELD.values():
        with suppress(OSError):
            os.close(fd)
    _HELD.clear()


def release_all_locks() -> None:
    """Release every lock this process holds (the console script's last step)."""
    for key in list(_HELD):
        release_lock(key)
