"""The package's exceptions: one root, so a caller can catch everything this library raises on purpose.

Every error a user can cause (a bad file, a missing folder, an unknown area code)
is a :class:`SoteAnalyticsError` with a message that says what to do; the
command line prints it on one line and exits with status 2. Anything else is a
bug.
"""

from __future__ import annotations


class SoteAnalyticsError(Exception):
    """Root of the package's exceptions.

    Parameters
    ----------
    message : str
        What went wrong and what to do about it.

    Examples
    --------
    >>> try:
    ...     sa.select(ind.table, level="county")
    ... except SoteAnalyticsError as e:  # every error the package raises on purpose
    ...     print(type(e).__name__, str(e).split(" Valid")[0])
    UnknownValueError unknown level 'county'
    """


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


class UnknownValueError(SoteAnalyticsError, ValueError, LookupError):
    """An id or name the package does not know: a sector, indicator, level, area or language.

    The message names what was asked, the closest known values and (when there are few) all
    of them; ``.kind``, ``.value``, ``.closest`` and ``.valid`` keep them for a program. It is
    also a :class:`ValueError` and a :class:`LookupError` (the parent of ``KeyError``), so code
    that caught those keeps working.

    Parameters
    ----------
    kind : str
        What was looked up (``"sector"``, ``"area"``, ...).
    value : object
        The value asked for.
    valid : iterable
        The known values.
    closest : iterable, optional
        The known values closest to ``value`` (:func:`difflib.get_close_matches`, say).
    hint : str
        A sentence added to the message.
    where : str
        Where the value was looked for (``"at level 'kunta'"``).

    Examples
    --------
    >>> e = UnknownValueError("sector", "mental_health", ["elderly", "mental_substance"],
    ...                       closest=["mental_substance"])
    >>> print(e)
    unknown sector 'mental_health'; did you mean 'mental_substance'? Valid sectors: elderly, mental_substance
    >>> isinstance(e, ValueError) and isinstance(e, LookupError)
    True
    """

    #: Up to this many valid values are listed in the message (more: the closest and a count).
    MAX_LISTED = 40

    def __init__(self, kind: str, value: object, valid, closest=None, hint: str = "", where: str = ""):
        self.kind, self.value = kind, value
        self.valid, self.closest = [str(v) for v in valid], [str(v) for v in (closest or [])]
        msg = f"unknown {kind} {value!r}" + (f" {where}" if where else "")
        if self.closest:
            msg += f"; did you mean {' or '.join(repr(c) for c in self.closest)}?"
        if len(self.valid) <= self.MAX_LISTED:
            msg += f" Valid {kind}s: {', '.join(self.valid)}"
        else:
            msg += f" ({len(self.valid)} valid {kind}s, e.g. {', '.join(self.valid[:5])}, ...)"
        if hint:
            msg += f". {hint}"
        super().__init__(msg)

    def __str__(self) -> str:
        return str(self.args[0])


class NotClassifiedError(SoteAnalyticsError, ValueError):
    """A frame that is not yet a classified register was given where one is needed (the message says
    what to call first).

    Parameters
    ----------
    message : str

    Examples
    --------
    >>> try:
    ...     sa.compute_indicators(pd.DataFrame({"nimi": ["A ry"]}), ref)
    ... except NotClassifiedError as e:
    ...     print(isinstance(e, ValueError), "read_register" in str(e))
    True True
    """
