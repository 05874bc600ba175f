"""The one HTTP client every vendor reader shares: timeouts, a size cap, retries with backoff, pacing,
redaction.

Readers never touch `requests` directly; they call :meth:`HttpClient.get` and get back the status, headers
and the whole body as bytes. Redirects are followed here, one hop at a time (requests' own following reads every
3xx body in full and sends the query, key included, to whatever host the Location names): every hop passes the
scheme rule of the first URL, is paced and counted against a small limit, and a request that carries a key never
leaves the origin (scheme, host and port) the key was configured for.

Retryable failures (429, 5xx, timeouts, dropped or truncated downloads) are
retried here and surface as typed :mod:`addin.pipeline.vendors.errors`; any other status is returned for the reader
to interpret, because vendors put meaning in their 400/404 bodies.
"""

from __future__ import annotations

import email.utils
import errno
import http.client
import logging
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from urllib3 import exceptions as urllib3_errors

from addin.pipeline.secrets import register_secret, scrub
from addin.pipeline.vendors.errors import BadResponse, HttpStatusError, Offline, RateLimited, VendorUnavailable

log = logging.getLogger("lazarus.http")

USER_AGENT = "Lazarus/0.1 (Excel add-in) python-requests"

# Loopback may be plain HTTP: that is how the tests and the benchmark serve recorded bodies.
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

# The statuses whose Location is followed (RFC 9110 15.4); 300 and 304 are answers, not moves.
_REDIRECTS = {301, 302, 303, 307, 308}


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: what "the same host" means for a key."""
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


@dataclass(frozen=True)
class HttpSettings:
    """Knobs of the shared client; tests shrink the times so fault cases run in milliseconds."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 64 * 1024 * 1024
    retries: int = 3  # extra attempts after the first
    backoff: float = 1.0  # first wait; doubles on every retry
    max_wait: float = 60.0  # a Retry-After longer than this is not waited for: we report the rate limit instead
    # Seconds between two requests to a pace key, replacing what the reader asks for (each reader declares its
    # vendor's pacing); tests set it to pace a host on purpose.
    pacing: Mapping[str, float] = field(default_factory=dict)
    pacing_scale: float = 1.0  # multiplies every pacing interval (0 disables pacing in tests)
    max_redirects: int = 5  # hops followed per request; a vendor needs one or two (http->https, a moved path)


@dataclass(frozen=True)
class Response:
    """A fully read response. ``url`` is already scrubbed of keys."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8-sig", errors="replace")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").lower()


class _Pacer:
    """Spaces requests to one pace key (a vendor's real host) at least ``interval`` apart, across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, key: str, interval: float) -> None:
        if interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(key, 0.0))
            self._next[key] = slot + interval
        if slot > now:
            time.sleep(slot - now)


def _retry_after(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _OneHopSession(requests.Session):
    """A session that never sees a redirect. With ``allow_redirects=False`` requests still prepares the next hop
    (``Session.send`` calls ``resolve_redirects``, which reads the whole 3xx body, decompressing it, before anything
    can look at it); the client follows redirects itself, so the session is told there is nowhere to go."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None


# Attempts at a host whose connection is refused or whose name does not resolve (see HttpClient.get).
UNREACHABLE_ATTEMPTS = 2


class HttpClient:
    """Shared, thread-safe GET client. One instance per refresh; it counts the bytes it received."""

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings()
        self._pacer = _Pacer()
        self._local = threading.local()  # a requests.Session is not guaranteed thread-safe: one per thread
        self._count_lock = threading.Lock()
        self.bytes_received = 0
        self.requests_made = 0
        # Offline detection: hosts whose connection was refused or whose name did not resolve, and whether any
        # host answered at all. Two hosts failing that way and none answering means there is no network.
        self._unreachable: set[str] = set()
        self._answered = False
        #: time.monotonic() after which no request starts and none waits longer (None: no deadline)
        self.deadline: float | None = None

    @property
    def offline(self) -> bool:
        """True once two vendors' hosts could not even be connected to and no host has answered."""
        return not self._answered and len(self._unreachable) >= 2

    def _check_going(self, vendor: str, series: str, key: str, attempt: int) -> None:
        # Once the network looks down, a host that could not be reached is not tried again and any other host gets
        # one attempt without retries: a blocked vendor or two never stop the hosts that do answer.
        if self.offline and (key in self._unreachable or attempt > 0):
            raise Offline(vendor, series, "not tried: there is no network (no vendor could be reached).", advice="")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise VendorUnavailable(vendor, series, "not tried: the refresh ran out of time.", advice="")

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = _OneHopSession()
            session.headers["User-Agent"] = USER_AGENT
            self._local.session = session
        return session

    def get(
        self,
        vendor: str,
        series: str,
        url: str,
        params: Mapping[str, str] | str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        pace_key: str | None = None,
        pacing: float = 0.0,
        secrets: tuple[str | None, ...] = (),
    ) -> Response:
        """GET ``url`` with retries; return the response for any status that is not retryable.

        ``params`` may be a pre-encoded query string for vendors whose URLs need bare flags (Treasury's
        ``&page``). Requests to one ``pace_key`` (default: the URL's host) start at least ``pacing`` seconds
        apart, unless the settings pace that key otherwise.
        ``secrets`` are keys present in the URL or headers; they are masked in every message and log line.
        """
        for secret in secrets:
            register_secret(secret)
        query = params if isinstance(params, str) else urlencode(params or {}, safe="|,")
        full_url = f"{url}?{query}" if query else url
        self._check_scheme(vendor, series, full_url)
        shown = scrub(full_url)
        key = pace_key or (urlsplit(url).hostname or "")
        interval = self.settings.pacing.get(key, pacing) * self.settings.pacing_scale
        attempts = self.settings.retries + 1
        problem = ""
        for attempt in range(attempts):
            self._check_going(vendor, series, key, attempt)
            self._pacer.wait(key, interval)
            wait = self.settings.backoff * (2**attempt)
            try:
                response = self._follow(vendor, series, full_url, headers, key, interval, carries_key=any(secrets))
            except requests.Timeout:
                problem = f"did not answer within {self._timeouts()[1]:g} s"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                problem = _connection_problem(exc)
                if _unreachable(exc):
                    with self._count_lock:
                        self._unreachable.add(key)
                    # Retries with backoff are for servers that answer badly; a host that cannot be connected to at
                    # all is most often no network, which the next vendor's host then confirms in one attempt.
                    if attempt + 1 >= UNREACHABLE_ATTEMPTS:
                        raise VendorUnavailable(
                            vendor,
                            series,
                            f"the server {problem} (tried {attempt + 1} times).",
                            advice="Check this computer's network connection or proxy; the vendor may also be "
                            "blocked here.",
                        ) from None
            else:
                self._answered = True
                log.info("%s %s -> %s (%d bytes)", vendor, shown, response.status, len(response.body))
                if response.status == 429 or response.status >= 500:
                    asked = _retry_after(response.headers.get("Retry-After"))
                    problem = _status_problem(response.status, asked)
                    if asked is not None:
                        if asked > self.settings.max_wait:
                            raise RateLimited(vendor, series, f"{problem}; that is longer than we wait.")
                        wait = max(wait, asked)
                    if attempt + 1 < attempts:
                        log.warning("%s %s: %s; retrying in %.2f s", vendor, shown, problem, wait)
                        self._sleep(wait)
                        continue
                    error = RateLimited if response.status == 429 else VendorUnavailable
                    raise error(vendor, series, f"{problem} (tried {attempts} times).")
                return Response(response.status, response.headers, response.body, shown)
            if attempt + 1 < attempts:
                # A host that cannot be reached at all may be the whole network: the refresh says that once.
                level = logging.INFO if key in self._unreachable else logging.WARNING
                log.log(level, "%s %s: %s; retrying in %.2f s", vendor, shown, problem, wait)
                self._sleep(wait)
        raise VendorUnavailable(vendor, series, f"the server {problem} (tried {attempts} times).")

    def _sleep(self, seconds: float) -> None:
        """Wait before a retry, but not past the deadline and not once the network is known to be down."""
        end = time.monotonic() + seconds
        if self.deadline is not None:
            end = min(end, self.deadline)
        while (left := end - time.monotonic()) > 0 and not self.offline:
            time.sleep(min(left, 0.05))

    def _timeouts(self) -> tuple[float, float]:
        connect, read = self.settings.connect_timeout, self.settings.read_timeout
        if self.deadline is not None:
            left = max(0.05, self.deadline - time.monotonic())
            connect, read = min(connect, left), min(read, left)
        return connect, read

    def _check_scheme(self, vendor: str, series: str, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS):
            return
        raise HttpStatusError(
            vendor,
            series,
            f"refusing to fetch {scrub(url)!r}: only HTTPS is allowed (plain HTTP only on localhost).",
        )

    def _follow(
        self,
        vendor: str,
        series: str,
        url: str,
        headers: Mapping[str, str] | None,
        key: str,
        interval: float,
        *,
        carries_key: bool,
    ) -> Response:
        """GET ``url`` and follow its redirects hop by hop. The first hop was checked and paced by the caller; every
        later one is checked against the same scheme rule, paced (by its own host when it leaves the first one) and
        counted. A request carrying a key is never redirected to another origin: the key would go with it."""
        first = _origin(url)
        for hop in range(self.settings.max_redirects + 1):
            if hop:
                self._check_scheme(vendor, series, url)
                self._check_going(vendor, series, key, 0)
                hop_key = key if _origin(url)[1] == first[1] else _origin(url)[1]
                self._pacer.wait(hop_key, interval)
            response = self._fetch(vendor, series, url, headers)
            location = response.headers.get("Location")
            if response.status not in _REDIRECTS or not location:
                return response
            target = urljoin(url, location.strip())
            log.info("%s %s -> %s, redirected to %s", vendor, scrub(url), response.status, scrub(target))
            if carries_key and _origin(target) != first:
                raise HttpStatusError(
                    vendor,
                    series,
                    f"redirected to another address ({scrub(_shown_origin(target))}); not followed, because the "
                    "request carries your API key, which goes only to the vendor's own address.",
                    advice="If the vendor has moved, set its base URL in the Lazarus config file.",
                )
            url = target
        raise BadResponse(
            vendor,
            series,
            f"redirected more than {self.settings.max_redirects} times (last to {scrub(url)!r}); not followed further.",
            advice="",
        )

    def _fetch(self, vendor: str, series: str, url: str, headers: Mapping[str, str] | None) -> Response:
        """One request without following redirects; its body read under the size cap, whatever its status (a
        redirect's body is not read at all). Raises requests' exceptions for network failures."""
        timeout = self._timeouts()
        with self._session().get(
            url, headers=dict(headers or {}), timeout=timeout, stream=True, allow_redirects=False
        ) as raw:
            with self._count_lock:
                self.requests_made += 1
            if raw.status_code in _REDIRECTS and raw.headers.get("Location"):
                # Closing the response unread drops the connection: a redirect's body, however large, is never read.
                return Response(raw.status_code, dict(raw.headers), b"", scrub(url))
            declared = raw.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.settings.max_bytes:
                raise BadResponse(vendor, series, f"the response is {int(declared):,} bytes, over the size cap.")
            chunks: list[bytes] = []
            size = 0
            for chunk in raw.iter_content(64 * 1024):
                size += len(chunk)
                if size > self.settings.max_bytes:
                    raise BadResponse(
                        vendor, series, f"the response is over the {self.settings.max_bytes:,}-byte size cap."
                    )
                chunks.append(chunk)
            with self._count_lock:
                self.bytes_received += size
            return Response(raw.status_code, dict(raw.headers), b"".join(chunks), scrub(url))


def _shown_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception inside it: requests keeps urllib3's error in ``args``, urllib3 keeps what went
    wrong in ``reason`` (a retry error) or ``__cause__`` (a connection error raised from the socket's)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = (*current.args, getattr(current, "reason", None), current.__cause__)
        todo.extend(item for item in inner if isinstance(item, BaseException))


# The socket errors of a host that cannot be connected to at all, as errno values and as Windows' own codes.
_UNREACHABLE_ERRNOS = {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH}
_UNREACHABLE_WINERRORS = {10051, 10061, 10065}  # WSAENETUNREACH, WSAECONNREFUSED, WSAEHOSTUNREACH


def _unreachable(exc: Exception) -> bool:
    """A failure to connect at all (refused, name not resolved, no route), as opposed to a slow or cut answer."""
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.Timeout):
        return False
    return any(
        isinstance(cause, ConnectionRefusedError | socket.gaierror | urllib3_errors.NameResolutionError)
        or (
            isinstance(cause, OSError)
            and (cause.errno in _UNREACHABLE_ERRNOS or getattr(cause, "winerror", None) in _UNREACHABLE_WINERRORS)
        )
        for cause in _causes(exc)
    )


def _connection_problem(exc: Exception) -> str:
    """What went wrong with a request that got no whole answer, in the words of a VendorUnavailable message."""
    causes = list(_causes(exc))
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or any(
        isinstance(cause, http.client.IncompleteRead) for cause in causes
    ):
        return "cut the download off before the end"
    # A read timeout while the body streams in reaches us as a ConnectionError around urllib3's timeout.
    if any(isinstance(cause, TimeoutError | urllib3_errors.ReadTimeoutError) for cause in causes):
        return "did not answer in time"
    return "could not be reached (connection failed)"


def _status_problem(status: int, asked: float | None) -> str:
    what = "answered 429 Too Many Requests" if status == 429 else f"answered HTTP {status} (server error)"
    if asked is not None:
        what += f" and asked us to wait {asked:g} s"
    return what
