"""Confinement for api_call: method, path, query and headers checked and normalised so that the key can
only ever go to the configured API base. Pure, no I/O; each refusal is one ConfinementError line."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import urlsplit

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # paymo-api.md §1 lists no PATCH; the seed does
METHOD_OVERRIDE = "_method"  # a query parameter some servers honour as the real method
MAX_PATH = 2048
MAX_QUERY = 8192  # all keys and values together
MAX_HEADERS = 20
MAX_HEADER_VALUE = 4096

# Letters, digits and the unreserved marks; anything else must be percent-encoded (and checked below).
_PATH_CHARS = re.compile(r"[A-Za-z0-9\-._~/%]*")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 field-name
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")

# Credentials, routing, framing and the method belong to the server: a model must not replace them.
_CREDENTIALS = "the server adds the account's authorization"
_ROUTING = "the server decides where the request goes"
_FRAMING = "the HTTP client manages connection and framing headers"
_FORBIDDEN_HEADERS = {
    "authorization": _CREDENTIALS,
    "proxy-authorization": _CREDENTIALS,
    "cookie": _CREDENTIALS,
    "x-session": _CREDENTIALS,
    "host": _ROUTING,
    "forwarded": _ROUTING,
    "x-original-url": _ROUTING,
    "x-rewrite-url": _ROUTING,
    "content-length": _FRAMING,
    "transfer-encoding": _FRAMING,
    "connection": _FRAMING,
    "keep-alive": _FRAMING,
    "upgrade": _FRAMING,
    "te": _FRAMING,
    "trailer": _FRAMING,
    "proxy-connection": _FRAMING,
    "expect": _FRAMING,
    # An override would let a GET write, around read-only mode.
    "x-http-method-override": "it would change the method",
    "x-http-method": "it would change the method",
    "x-method-override": "it would change the method",
}
_FORBIDDEN_HEADER_PREFIXES = {"proxy-": _ROUTING, "x-forwarded-": _ROUTING}


class ConfinementError(ValueError):
    """An api_call argument that could send the request (or the key) somewhere else, or is malformed."""


def _is_control(ch: str) -> bool:
    # Cc covers C0 (NUL, TAB, CR, LF ...), DEL and C1; Zl/Zp are line breaks some parsers honour.
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def _has_control(text: str) -> bool:
    return any(_is_control(ch) for ch in text)


def _shown(value: object, limit: int = 40) -> str:
    """A short, printable echo of a refused value (control characters escaped, long values cut)."""
    text = ascii(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def confine_method(method: object) -> str:
    """GET, POST, PUT, PATCH or DELETE (any letter case), upper-cased."""
    if not isinstance(method, str):
        raise ConfinementError(f"method must be a string, one of {', '.join(METHODS)}")
    upper = method.upper()
    if upper in METHODS:
        return upper
    raise ConfinementError(f"method must be one of {', '.join(METHODS)}")


def _is_override(key: str) -> bool:
    return key.strip().lower() == METHOD_OVERRIDE


def method_override(fields: object) -> str | None:
    """The `_method` value in `fields` (the query, or a JSON object body), upper-cased; None if absent."""
    if isinstance(fields, Mapping):
        for key, value in fields.items():
            if isinstance(key, str) and _is_override(key):
                return str(value).strip().upper()
    return None


def effective_method(method: str, query: Mapping[str, object] | None, body: object = None) -> str:
    """The method the request acts as: `method`, or the `_method` that overrides it in the query or
    the body (confine_override has checked there is at most one, naming a known method)."""
    return method_override(query) or method_override(body) or method


def _check_escapes(path: str) -> None:
    """Every `%` starts a valid escape whose decoded text is no separator, dot, percent or control."""
    if "%" not in path:
        return
    if len(_ESCAPE.findall(path)) != path.count("%"):
        raise ConfinementError("path has a malformed percent-escape ('%' must be followed by two hex digits)")
    raw = bytes(int(h, 16) for h in _ESCAPE.findall(path))
    named = {0x2F: "an encoded slash (%2F)", 0x5C: "an encoded backslash (%5C)", 0x2E: "an encoded dot (%2E)"}
    for byte in raw:
        if byte in named:
            raise ConfinementError(f"path contains {named[byte]}; write path segments out plainly")
        if byte == 0x25:
            raise ConfinementError("path contains a double-encoded escape (%25); encode each character once")
    # Escapes are decoded as one run: a multi-byte character may be split across consecutive escapes.
    decoded = re.sub(r"(?:%[0-9A-Fa-f]{2})+", lambda m: _decode_run(m.group(0)), path)
    if _has_control(decoded):
        raise ConfinementError("path contains an encoded control character")


def _decode_run(run: str) -> str:
    data = bytes(int(run[i + 1 : i + 3], 16) for i in range(0, len(run), 3))
    try:
        return data.decode("utf-8")  # strict: also refuses overlong forms such as %C0%AE
    except UnicodeDecodeError:
        raise ConfinementError("path has percent-escapes that are not valid UTF-8") from None


def confine_path(path: object) -> str:
    """The path relative to the API base, without a leading `/` or `api/`: `/api/projects/1/` -> `projects/1`.

    Absolute and scheme-relative URLs, user-info, backslashes, dot segments, encoded separators,
    control characters, a query or fragment and anything outside a conservative character set are refused.
    """
    text = _check_characters(path)
    relative = text[1:] if text.startswith("/") else text
    if relative.startswith("api/"):
        relative = relative[len("api/") :]
    elif relative == "api":
        relative = ""
    if relative.endswith("/"):
        relative = relative[:-1]
    _check_segments(relative)
    return relative


def _check_characters(path: object) -> str:
    if not isinstance(path, str):
        raise ConfinementError("path must be a string such as 'projects/123'")
    if not path:
        raise ConfinementError("path is empty; give one relative to the API base, e.g. 'projects'")
    if len(path) > MAX_PATH:
        raise ConfinementError(f"path is longer than {MAX_PATH} characters")
    if _has_control(path):
        raise ConfinementError("path contains a control character (CR, LF, NUL, TAB ...)")
    if "\\" in path:
        raise ConfinementError("path contains a backslash")
    if _SCHEME.match(path):
        raise ConfinementError(
            "path must be relative to the API base (e.g. 'projects/123'), not an absolute URL"
        )
    if path.startswith("//"):
        raise ConfinementError("path must not start with '//' (a URL to another host)")
    if "?" in path or "#" in path:
        raise ConfinementError(
            "path must not contain '?' or '#': pass query parameters in the 'query' object"
        )
    if "@" in path:
        raise ConfinementError("path must not contain '@' (user-info, a URL to another host)")
    if not _PATH_CHARS.fullmatch(path):
        bad = next(ch for ch in path if not _PATH_CHARS.fullmatch(ch))
        raise ConfinementError(
            f"path contains {_shown(bad)}; only letters, digits, '-', '_', '.', '~', '/' "
            "and percent-escapes are allowed"
        )
    _check_escapes(path)
    return path


def _check_segments(relative: str) -> None:
    if not relative:
        raise ConfinementError("path names no endpoint; give one such as 'projects' or 'tasks/123'")
    for segment in relative.split("/"):
        if not segment:
            raise ConfinementError("path must not contain an empty segment ('//')")
        if set(segment) == {"."}:
            raise ConfinementError("path must not contain '.' or '..' segments")


def confine_query(query: object) -> dict[str, str]:
    """Query parameters as strings: strings, numbers and booleans ("true"/"false") only, no control chars."""
    if query is None:
        return {}
    if not isinstance(query, Mapping):
        raise ConfinementError('query must be an object such as {"where": "project_id=1"}')
    out: dict[str, str] = {}
    size = 0
    for key, value in query.items():
        if not isinstance(key, str) or not key:
            raise ConfinementError("query keys must be non-empty strings")
        if _has_control(key):
            raise ConfinementError(f"query key {_shown(key)} contains a control character")
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int):
            text = str(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ConfinementError(f"query value of {_shown(key)} must be a finite number")
            text = repr(value)
        elif isinstance(value, str):
            if _has_control(value):
                raise ConfinementError(f"query value of {_shown(key)} contains a control character")
            text = value
        else:
            kind = "null (omit the key instead)" if value is None else type(value).__name__
            raise ConfinementError(
                f"query value of {_shown(key)} must be a string, number or boolean, not {kind}; "
                "Paymo's filters take one 'where' string"
            )
        size += len(key) + len(text)
        out[key] = text
    if size > MAX_QUERY:
        raise ConfinementError(f"query is longer than {MAX_QUERY} characters")
    confine_override("query", out)
    return out


def confine_override(where: str, fields: Mapping[str, object]) -> None:
    """At most one `_method` key in `where` (the query, or a JSON object body), naming a known method:
    read-only mode and the delete confirmation judge a request by the method it overrides to."""
    overrides = [value for key, value in fields.items() if _is_override(key)]
    if len(overrides) > 1:
        raise ConfinementError(f"{where} gives {METHOD_OVERRIDE} more than once")
    if overrides and not (isinstance(overrides[0], str) and overrides[0].strip().upper() in METHODS):
        raise ConfinementError(f"{where} {METHOD_OVERRIDE} must be one of {', '.join(METHODS)}")


def confine_headers(headers: object) -> dict[str, str]:
    """Extra request headers: valid token names, printable ASCII values, nothing that carries credentials,
    routing or framing (Authorization, Host, Cookie, X-Session, hop-by-hop, method overrides ...)."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ConfinementError('headers must be an object such as {"Accept": "application/json"}')
    if len(headers) > MAX_HEADERS:
        raise ConfinementError(f"at most {MAX_HEADERS} headers")
    out: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ConfinementError(f"header name {_shown(name)} is not a valid HTTP field name")
        lower = name.lower()
        reason = _FORBIDDEN_HEADERS.get(lower) or next(
            (why for prefix, why in _FORBIDDEN_HEADER_PREFIXES.items() if lower.startswith(prefix)), None
        )
        if reason:
            raise ConfinementError(f"header {name} may not be set: {reason}")
        if lower in seen:
            raise ConfinementError(f"header {name} is given twice (names are case-insensitive)")
        seen.add(lower)
        if not isinstance(value, str):
            raise ConfinementError(f"header {name} must have a string value")
        if _has_control(value):
            raise ConfinementError(f"header {name} contains a control character (CR, LF, NUL, TAB ...)")
        if not value.isascii():
            raise ConfinementError(f"header {name} must be ASCII text")
        if len(value) > MAX_HEADER_VALUE:
            raise ConfinementError(f"header {name} is longer than {MAX_HEADER_VALUE} characters")
        out[name] = value
    return out


def _origin(scheme: str, host: str | None, port: int | None) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(scheme.lower())
    return scheme.lower(), (host or "").lower(), port if port is not None else default


def join_url(base_url: str, relative: str) -> str:
    """`base_url` + a path from confine_path, checked once more to be inside the base (belt and braces)."""
    # Checked as is, not normalised again: a second `api/` strip would change the path.
    _check_characters(relative)
    _check_segments(relative)
    url = base_url + relative
    try:
        base, full = urlsplit(base_url), urlsplit(url)
        inside = (
            base_url.endswith("/")
            and url.startswith(base_url)
            and same_origin(base_url, url)
            and full.path.startswith(base.path)
            and not full.query
            and not full.fragment
        )
    except ValueError:
        inside = False
    if not inside:
        raise ConfinementError("the request would leave the configured API base URL")
    return url


def same_origin(base_url: str, url: str) -> bool:
    """Whether an absolute `url` has the scheme, host and port of `base_url`."""
    try:
        a, b = urlsplit(base_url), urlsplit(url)
        return bool(b.scheme) and _origin(a.scheme, a.hostname, a.port) == _origin(
            b.scheme, b.hostname, b.port
        )
    except ValueError:  # e.g. a port that is not a number
        return False


__all__ = [
    "METHODS",
    "METHOD_OVERRIDE",
    "ConfinementError",
    "confine_headers",
    "confine_method",
    "confine_override",
    "confine_path",
    "confine_query",
    "effective_method",
    "join_url",
    "method_override",
    "same_origin",
]
