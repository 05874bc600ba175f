"""The secret registry: API keys and passwords that must never be shown, and the helpers that hide them.

:func:`register_secret` remembers a secret (config does it for every key it loads, the HTTP client for every key
it sends, the PostgreSQL store for its password); :func:`scrub` masks every remembered secret (in any letter case,
URL-encoded too), and any ``api_key=…``/``password=…``-style parameter, the password of a ``scheme://user:pw@host``
URL or a ``Token …`` header, in a text before it reaches a log, a cell or a traceback; :func:`redact` is the only way a
key is shown. It sits in udfs, the bottom layer, because the cell guard (udfs.declare) scrubs every cell's text too;
addin.pipeline.secrets is the same registry under the pipeline's name.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import quote, quote_plus, unquote

__all__ = ["clip", "redact", "register_secret", "scrub"]

_secrets: set[str] = set()
_secrets_lock = threading.Lock()

# Query parameters that carry a key at some vendor; their values are masked even if nobody registered the key.
_KEY_PARAMS = re.compile(r"(?i)\b(api_?key|apikey|token|key|password|passwd|pwd)=([^&\s\"']+)")
# The password of a URL's userinfo (postgresql://user:secret@host): everything between the user's colon and the @.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^:/@\s]*):[^@\s]+@")
_AUTH_HEADER = re.compile(r"(?i)(Token|Bearer)\s+[A-Za-z0-9._\-]{8,}")


def register_secret(value: str | None) -> None:
    """Remember a secret so that :func:`scrub` masks it wherever it appears (short strings are ignored)."""
    if value and len(value) >= 6:
        # As typed, as it reads decoded, and as it travels in a URL: a message may quote any of them.
        forms = {value, unquote(value), quote(value, safe=""), quote_plus(value, safe="")}
        with _secrets_lock:
            _secrets.update(form for form in forms if len(form) >= 6)


def redact(key: str | None) -> str:
    """Show a key the way a user may see it: never in full, only enough to tell two keys apart."""
    if not key:
        return "(not set)"
    if len(key) < 12:
        return "****"
    return f"****{key[-4:]} ({len(key)} characters)"


def scrub(text: str) -> str:
    """Mask every registered secret, every `api_key=…`-style parameter and any `Token …` header in
    ``text``."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        # Case-insensitive: a vendor that echoes the key upper-cased must not show it either.
        text = re.sub(re.escape(secret), "****", text, flags=re.IGNORECASE)
    text = _KEY_PARAMS.sub(lambda m: f"{m.group(1)}=****", text)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}:****@", text)
    return _AUTH_HEADER.sub(lambda m: f"{m.group(1)} ****", text)


def clip(text: str, limit: int) -> str:
    """``text`` scrubbed, then cut to ``limit`` characters: masking first, so a key cut in half (which
    :func:`scrub` could no longer recognise) never survives the cut."""
    return scrub(text)[:limit]
