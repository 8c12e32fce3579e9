"""The package's exceptions: one root, so a caller can catch everything this library raises on purpose.

Every error a user can cause (a bad file, a missing folder, an unknown area code)
is a :class:`SoteAnalyticsError` with a message that says what to do; the
command line prints it on one line and exits with status 2. Anything else is a
bug.
"""

from __future__ import annotations


class SoteAnalyticsError(Exception):
    """Root of the package's exceptions."""


class NotebookExecutionError(SoteAnalyticsError):
    """A report notebook raised while it was executed.

    Keeps the kernel's exception name, value and traceback, like papermill's
    ``PapermillExecutionError``, so the failing cell can be found in the
    executed notebook.

    Examples
    --------
    >>> e = NotebookExecutionError("KeyError", "'paid_staff_share'", ["Traceback ...", "KeyError: ..."], cell=7)
    >>> str(e)
    "KeyError: 'paid_staff_share' (cell 7)"
    """

    def __init__(self, ename: str, evalue: str, traceback: list[str] | None = None, cell: int | None = None):
        self.ename, self.evalue, self.traceback, self.cell = ename, evalue, list(traceback or []), cell
        where = f" (cell {cell})" if cell is not None else ""
        super().__init__(f"{ename}: {evalue}{where}")
