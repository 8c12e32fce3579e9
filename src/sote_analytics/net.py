"""The package's one HTTP client: a requests session with a timeout, one retry policy and a request log.

Every download of the package goes through :class:`Client` (the reference fetch, the YTJ
enrichment and register, the STEA grants); nothing else opens a network connection, and only
when one of those explicit commands runs.

The retry policy
    An answer whose status is in ``retry_statuses`` (default: 429 and every 5xx) is asked
    again, at most ``retries`` times. Before each new attempt the client sleeps the answer's
    ``Retry-After`` seconds (clamped to ``0 … max_wait``), else an exponential back-off of
    ``backoff * 2**attempt`` seconds (attempt 0, 1, …). Connection failures and other
    transport errors are retried the same way only with ``retry_connection_errors``. When the
    retries are used up the last answer is returned (``request``) or raised as
    :class:`HTTPStatusError` (``request_json``): the caller decides what a refusal means.
Rate limit
    ``per_minute`` (or a :class:`RateLimiter`) spaces every attempt evenly below a ceiling.
Tests
    ``sleep`` and ``clock`` are injectable; ``session`` may be any object with requests'
    ``Session.request``; every answer is logged in :attr:`Client.log`.

Examples
--------
>>> c = Client(retries=2, backoff=0.5)
>>> [c.wait_before_retry(a, None) for a in range(3)]
[0.5, 1.0, 2.0]
>>> c.wait_before_retry(0, "7")
7.0
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .errors import SoteAnalyticsError

#: Statuses retried by default: too many requests and every server error.
RETRY_STATUSES = frozenset({429, *range(500, 600)})
#: Statuses that say "slow down": too many requests and service unavailable.
THROTTLE_STATUSES = frozenset({429, 503})


class FetchError(SoteAnalyticsError, RuntimeError):
    """A download failed or returned something of the wrong shape."""


class HTTPStatusError(FetchError):
    """A service answered with an HTTP error status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class RequestError(FetchError):
    """No answer at all (a transport error); ``cause_name`` is the underlying exception's class name."""

    def __init__(self, message: str, url: str, cause_name: str):
        super().__init__(message)
        self.url, self.cause_name = url, cause_name


class UnreachableError(RequestError):
    """The host could not be reached (the message names the host and the URL)."""


@dataclass
class RateLimiter:
    """At most ``per_minute`` calls a minute, spaced evenly.

    Examples
    --------
    >>> t = [0.0]; slept = []
    >>> rl = RateLimiter(120, clock=lambda: t[0], sleep=lambda s: (slept.append(s), t.__setitem__(0, t[0] + s)))
    >>> rl.wait(); rl.wait(); slept
    [0.5]
    """

    per_minute: float = 250
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    next_at: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + 60.0 / self.per_minute


def retry_after(value: str | None) -> float | None:
    """Seconds of a ``Retry-After`` header (a number), or None.

    Examples
    --------
    >>> retry_after("3"), retry_after(None), retry_after("Wed, 21 Oct 2026 07:28:00 GMT")
    (3.0, None, None)
    """
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def now_iso() -> str:
    """The current UTC time to the second, ISO 8601 (``2026-10-05T12:00:00+00:00``)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def url_with_query(url: str, params: object = None) -> str:
    """URL with its query, for messages (``params`` a mapping or a list of pairs).

    Examples
    --------
    >>> url_with_query("http://x/a", {"b": 1}), url_with_query("http://x/a", [("y", 1), ("y", 2)])
    ('http://x/a?b=1', 'http://x/a?y=1&y=2')
    """
    if not params:
        return url
    pairs = params.items() if isinstance(params, dict) else params
    return url + "?" + "&".join(f"{k}={v}" for k, v in pairs)  # type: ignore[union-attr]


def host_of(url: str) -> str:
    """The host (and port) of a URL.

    Examples
    --------
    >>> host_of("https://geo.stat.fi/geoserver/wfs?x=1")
    'geo.stat.fi'
    """
    return re.sub(r"^\w+://([^/]+).*", r"\1", url)


class Client:
    """One HTTP client with one retry policy (see the module docstring).

    Parameters
    ----------
    timeout : float
        Seconds per request.
    retries : int
        How many times one request is asked again (0: once only).
    backoff : float
        First back-off in seconds when the answer has no ``Retry-After`` (doubles each attempt).
    max_wait : float
        Ceiling of a ``Retry-After`` wait.
    retry_statuses : collection of int
        Answers asked again (default :data:`RETRY_STATUSES`).
    retry_connection_errors : bool
        Ask again after a connection failure or another transport error (else raise at once).
    per_minute : float, optional
        Rate ceiling (a :class:`RateLimiter` using ``clock`` and ``sleep``); or give ``limiter``.
    sleep, clock : callables
        Injectable for tests.
    session : requests.Session-like, optional
        Default: a new ``requests.Session`` (with ``user_agent``).
    user_agent : str, optional
        ``User-Agent`` of the session the client creates.

    Attributes
    ----------
    log : list of dict
        One entry per answer: ``url`` (with the query), ``method``, ``status``, ``retrieved``.
    requests_made : int
        Attempts, answered or not.
    throttled : int
        Answers with a status of ``retry_statuses`` (the last one too).
    retried : int
        Requests sent again because of such an answer.
    """

    def __init__(self, *, timeout: float = 60.0, retries: int = 2, backoff: float = 0.5, max_wait: float = 60.0,
                 retry_statuses: Collection[int] = RETRY_STATUSES, retry_connection_errors: bool = False,
                 per_minute: float | None = None, limiter: RateLimiter | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 session=None, user_agent: str | None = "sote-analytics"):
        self.timeout, self.retries, self.backoff, self.max_wait = timeout, max(0, retries), backoff, max_wait
        self.retry_statuses = frozenset(retry_statuses)
        self.retry_connection_errors = retry_connection_errors
        if limiter is None and per_minute:
            limiter = RateLimiter(per_minute, clock=clock, sleep=sleep)
        self.limiter, self.sleep, self.clock = limiter, sleep, clock
        self._session, self.user_agent = session, user_agent
        self.log: list[dict] = []
        self.requests_made = self.throttled = self.retried = 0

    @property
    def session(self):
        """The session (created on first use)."""
        if self._session is None:
            import requests

            self._session = requests.Session()
            if self.user_agent:
                self._session.headers["User-Agent"] = self.user_agent
        return self._session

    def wait_before_retry(self, attempt: int, retry_after_header: str | None) -> float:
        """Seconds to sleep before attempt ``attempt + 1``: ``Retry-After`` (clamped), else the back-off."""
        wait = retry_after(retry_after_header)
        if wait is not None:
            return max(0.0, min(wait, self.max_wait))
        return self.backoff * 2**attempt

    def request(self, method: str, url: str, *, params=None, json=None, headers: dict | None = None,
                stream: bool = False):
        """Send one request under the retry policy; return the last answer.

        Raises
        ------
        UnreachableError
            The host could not be reached (after the retries, if connection errors are retried).
        RequestError
            Another transport error (a time-out, a broken answer).
        """
        import requests

        for attempt in range(self.retries + 1):
            last_attempt = attempt == self.retries
            if self.limiter is not None:
                self.limiter.wait()
            self.requests_made += 1
            try:
                r = self.session.request(method, url, params=params, json=json, headers=headers,
                                         timeout=self.timeout, stream=stream)
            except requests.ConnectionError as exc:
                failure: RequestError = UnreachableError(
                    f"{method} {url_with_query(url, params)}: cannot connect to {host_of(url)} (no network?)",
                    url, exc.__class__.__name__)
            except requests.RequestException as exc:
                failure = RequestError(f"{method} {url_with_query(url, params)}: {exc.__class__.__name__}: {exc}",
                                        url, exc.__class__.__name__)
            else:
                self.log.append({"url": r.url, "method": method, "status": r.status_code, "retrieved": now_iso()})
                if r.status_code not in self.retry_statuses:
                    return r
                self.throttled += 1
                if last_attempt:
                    return r
                wait = self.wait_before_retry(attempt, r.headers.get("Retry-After"))
                r.close()
                self.retried += 1
                self.sleep(wait)
                continue
            if last_attempt or not self.retry_connection_errors:
                raise failure
            self.sleep(self.wait_before_retry(attempt, None))
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, url: str, params=None, headers: dict | None = None, stream: bool = False):
        """``GET`` under the retry policy (see :meth:`request`)."""
        return self.request("GET", url, params=params, headers=headers, stream=stream)

    def request_json(self, method: str, url: str, **kw) -> object:
        """The JSON of a successful answer; :class:`HTTPStatusError` or :class:`FetchError` otherwise."""
        r = self.request(method, url, **kw)
        if not r.ok:
            raise HTTPStatusError(f"{method} {r.url}: HTTP {r.status_code} {r.text[:200]!r}", r.status_code)
        try:
            return r.json()
        except ValueError:
            raise FetchError(f"{method} {r.url}: answer is not JSON "
                             f"({r.headers.get('content-type', '?')})") from None

    def get_json(self, url: str, params=None) -> object:
        """``GET`` and the JSON of the answer (see :meth:`request_json`)."""
        return self.request_json("GET", url, params=params)
