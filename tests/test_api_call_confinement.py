"""api_call's confinement as a specification: what each accepted path form becomes, and a battery of
hostile methods, paths, queries and headers that are refused with one clear line (pure, no network)."""

from __future__ import annotations

from typing import Any

import pytest

from paymo_mcp.client.confine import (
    ConfinementError,
    confine_headers,
    confine_method,
    confine_override,
    confine_path,
    confine_query,
    effective_method,
    join_url,
    same_origin,
)

BASE = "https://app.paymoapp.com/api/"


@pytest.mark.parametrize(
    ("given", "relative"),
    [
        ("/projects", "projects"),
        ("projects", "projects"),
        ("projects/123", "projects/123"),
        ("api/projects", "projects"),
        ("/api/projects/123", "projects/123"),
        ("/api/projects/123/", "projects/123"),
        ("projects/", "projects"),
        ("api/api/x", "api/x"),  # only one `api/` is the base's; a second belongs to the path
        ("apiary/1", "apiary/1"),
        ("files/report.v2.pdf", "files/report.v2.pdf"),
        ("a-b_c~d/e", "a-b_c~d/e"),
        ("clients/Caf%C3%A9", "clients/Caf%C3%A9"),  # encoded UTF-8 text stays as given
        ("search/a%20b%3Fc", "search/a%20b%3Fc"),
        ("x/..a/a..", "x/..a/a.."),  # dots inside a segment are data
    ],
)
def test_each_accepted_path_form_is_normalised_relative_to_the_base(given: str, relative: str) -> None:
    assert confine_path(given) == relative
    assert confine_path(relative.removeprefix("api/")) == relative.removeprefix("api/")
    assert join_url(BASE, relative) == BASE + relative


HOSTILE_PATHS: list[tuple[str, Any, str]] = [
    ("absolute https", "https://evil.example/api/projects", "absolute URL"),
    ("absolute http to loopback", "http://127.0.0.1:9/x", "absolute URL"),
    ("absolute upper-case scheme", "HTTPS://evil.example", "absolute URL"),
    ("absolute ftp", "ftp://evil.example/x", "absolute URL"),
    ("scheme without slashes", "javascript:alert(1)", "absolute URL"),
    ("host and port", "evil.example:8080/x", "absolute URL"),
    ("scheme-relative", "//evil.example/api/projects", "'//'"),
    ("triple slash", "///evil.example", "'//'"),
    ("UNC backslashes", "\\\\evil.example\\share", "backslash"),
    ("slash backslash", "/\\evil.example", "backslash"),
    ("backslash traversal", "projects\\..\\..\\x", "backslash"),
    ("dot-dot first", "../projects", "'..' segments"),
    ("dot-dot deep", "projects/../../evil", "'..' segments"),
    ("dot-dot after api", "/api/../../evil", "'..' segments"),
    ("dot segment", "./projects", "'..' segments"),
    ("trailing dot segment", "projects/.", "'..' segments"),
    ("three dots", "projects/...", "'..' segments"),
    ("encoded dot-dot", "%2e%2e/projects", "encoded dot"),
    ("mixed-case encoded dot", "%2E./x", "encoded dot"),
    ("half-encoded dot", ".%2e/x", "encoded dot"),
    ("double-encoded dot", "%252e%252e/x", "double-encoded"),
    ("double-encoded slash", "projects%252fx", "double-encoded"),
    ("encoded slash traversal", "projects%2f..%2fx", "encoded slash"),
    ("encoded slash upper", "projects%2F123", "encoded slash"),
    ("encoded backslash", "projects%5c123", "encoded backslash"),
    ("overlong UTF-8 dot", "%c0%ae%c0%ae/x", "not valid UTF-8"),
    ("overlong UTF-8 slash", "x%c0%afy", "not valid UTF-8"),
    ("IIS %u escape", "%u002e%u002e/x", "malformed percent-escape"),
    ("lone percent", "projects/%", "malformed percent-escape"),
    ("bad hex", "projects/%zz", "malformed percent-escape"),
    ("user-info", "user:pass@evil.example/x", "absolute URL"),
    ("at sign", "@evil.example/x", "'@'"),
    ("user-info after a segment", "projects/x@evil.example", "'@'"),
    ("CRLF header injection", "projects\r\nHost: evil.example", "control character"),
    ("LF alone", "projects\nx", "control character"),
    ("NUL", "projects\x00", "control character"),
    ("TAB", "projects\tx", "control character"),
    ("DEL", "projects\x7f", "control character"),
    ("C1 NEL", "projects\x85", "control character"),
    ("line separator", "projects\u2028x", "control character"),
    ("encoded CRLF", "projects%0d%0aHost%3a%20evil", "encoded control character"),
    ("encoded NUL", "projects%00", "encoded control character"),
    ("encoded C1 NEL", "projects%C2%85", "encoded control character"),
    ("query in path", "projects?where=active=true", "'query' object"),
    ("fragment", "projects#x", "'query' object"),
    ("fullwidth solidus", "projects\uff0f123", "only letters, digits"),
    ("fullwidth letters", "\uff50rojects", "only letters, digits"),
    ("space", " projects", "only letters, digits"),
    ("semicolon parameter", "projects;jsessionid=1", "only letters, digits"),
    ("empty segment", "projects//123", "empty segment"),
    ("empty", "", "empty"),
    ("root", "/", "names no endpoint"),
    ("api root", "/api/", "names no endpoint"),
    ("bare api", "api", "names no endpoint"),
    ("too long", "a" * 3000, "longer than"),
    ("not a string", 123, "must be a string"),
    ("null", None, "must be a string"),
    ("a list", ["projects"], "must be a string"),
]


@pytest.mark.parametrize(
    ("path", "fragment"), [(p, f) for _, p, f in HOSTILE_PATHS], ids=[i for i, _, _ in HOSTILE_PATHS]
)
def test_a_hostile_path_is_refused_with_one_clear_line(path: Any, fragment: str) -> None:
    with pytest.raises(ConfinementError) as caught:
        confine_path(path)
    message = str(caught.value)
    assert fragment in message and "\n" not in message and "\r" not in message


@pytest.mark.parametrize("relative", ["/projects", "projects/", "projects//1", "../x", "x/../../y", ""])
def test_join_url_refuses_a_path_that_was_not_normalised(relative: str) -> None:
    with pytest.raises(ConfinementError):
        join_url(BASE, relative)


def test_join_url_refuses_a_base_it_cannot_prove_the_url_is_inside() -> None:
    with pytest.raises(ConfinementError, match="leave the configured API base"):
        join_url("https://app.paymoapp.com/api", "projects")
    with pytest.raises(ConfinementError, match="leave the configured API base"):
        join_url("https://app.paymoapp.com/api/?x=1#", "projects")
    with pytest.raises(ConfinementError, match="leave the configured API base"):
        join_url("https://app.paymoapp.com:port/api/", "projects")


@pytest.mark.parametrize(
    ("given", "method"),
    [("GET", "GET"), ("post", "POST"), ("Put", "PUT"), ("patch", "PATCH"), ("delete", "DELETE")],
)
def test_the_documented_methods_and_the_seeds_patch_are_accepted_in_any_case(given: str, method: str) -> None:
    assert confine_method(given) == method


@pytest.mark.parametrize(
    ("method", "query", "acts"),
    [
        ("GET", None, "GET"),
        ("POST", {"name": "x"}, "POST"),
        ("POST", {"_method": "DELETE"}, "DELETE"),
        ("GET", {"_METHOD": " put "}, "PUT"),
        ("PUT", {"_method": "delete", "where": "id=1"}, "DELETE"),
    ],
)
def test_a_method_override_in_the_query_is_the_method_the_request_acts_as(
    method: str, query: dict[str, str] | None, acts: str
) -> None:
    assert effective_method(method, confine_query(query)) == acts


def test_a_method_override_in_a_json_object_body_counts_too() -> None:
    assert effective_method("POST", None, {"_method": "delete", "name": "x"}) == "DELETE"
    assert effective_method("POST", None, [{"_method": "DELETE"}]) == "POST"  # an array is no form
    with pytest.raises(ConfinementError, match="body _method must be one of"):
        confine_override("body", {"_method": ["DELETE"]})


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"_method": "PURGE"}, "_method must be one of GET, POST, PUT, PATCH, DELETE"),
        ({"_method": "GET", "_Method": "DELETE"}, "_method more than once"),
    ],
)
def test_an_override_that_is_unknown_or_given_twice_is_refused(query: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfinementError, match=fragment):
        confine_query(query)


@pytest.mark.parametrize(
    "method", ["HEAD", "OPTIONS", "TRACE", "CONNECT", "GET\r\nX: y", "G ET", "", 1, None]
)
def test_any_other_method_is_refused(method: Any) -> None:
    with pytest.raises(ConfinementError, match="method must be"):
        confine_method(method)


def test_query_values_become_strings_and_booleans_become_true_or_false() -> None:
    given = {"where": 'name like "%a b%"', "page": 2, "active": True, "off": False, "total": 1.5}
    assert confine_query(given) == {
        "where": 'name like "%a b%"',
        "page": "2",
        "active": "true",
        "off": "false",
        "total": "1.5",
    }
    assert confine_query(None) == {}


HOSTILE_QUERIES: list[tuple[str, Any, str]] = [
    ("CRLF in a value", {"where": "x\r\nHost: evil.example"}, "control character"),
    ("CRLF in a key", {"a\r\nb": "x"}, "control character"),
    ("NUL in a value", {"a": "x\x00"}, "control character"),
    ("TAB in a value", {"a": "x\ty"}, "control character"),
    ("a list value", {"a": [1, 2]}, "string, number or boolean"),
    ("an object value", {"a": {"b": 1}}, "string, number or boolean"),
    ("a null value", {"a": None}, "omit the key"),
    ("NaN", {"a": float("nan")}, "finite"),
    ("empty key", {"": "x"}, "non-empty"),
    ("not an object", "where=x", "must be an object"),
    ("too long", {"where": "x" * 9000}, "longer than"),
]


@pytest.mark.parametrize(
    ("query", "fragment"), [(q, f) for _, q, f in HOSTILE_QUERIES], ids=[i for i, _, _ in HOSTILE_QUERIES]
)
def test_a_hostile_query_is_refused(query: Any, fragment: str) -> None:
    with pytest.raises(ConfinementError, match=fragment):
        confine_query(query)


def test_ordinary_headers_pass_unchanged() -> None:
    headers = {"Accept": "application/xml", "X-Trace-Id": "abc-1", "If-None-Match": '"v1"'}
    assert confine_headers(headers) == headers
    assert confine_headers(None) == {}


HOSTILE_HEADERS: list[tuple[str, Any, str]] = [
    ("Authorization", {"Authorization": "Basic eA=="}, "may not be set"),
    ("authorization lower case", {"authorization": "Bearer x"}, "may not be set"),
    ("AUTHORIZATION upper case", {"AUTHORIZATION": "x"}, "may not be set"),
    ("Proxy-Authorization", {"Proxy-Authorization": "x"}, "may not be set"),
    ("Host", {"Host": "evil.example"}, "may not be set"),
    ("Cookie", {"Cookie": "a=b"}, "may not be set"),
    ("X-Session", {"X-Session": "token"}, "may not be set"),
    ("Content-Length", {"Content-Length": "0"}, "may not be set"),
    ("Transfer-Encoding", {"Transfer-Encoding": "chunked"}, "may not be set"),
    ("Connection", {"Connection": "close"}, "may not be set"),
    ("Keep-Alive", {"Keep-Alive": "5"}, "may not be set"),
    ("Upgrade", {"Upgrade": "h2c"}, "may not be set"),
    ("TE", {"TE": "trailers"}, "may not be set"),
    ("Trailer", {"Trailer": "x"}, "may not be set"),
    ("Proxy-Connection", {"Proxy-Connection": "keep-alive"}, "may not be set"),
    ("X-Forwarded-Host", {"X-Forwarded-Host": "evil.example"}, "may not be set"),
    ("method override", {"X-HTTP-Method-Override": "DELETE"}, "may not be set"),
    ("space in a name", {"X Bad": "x"}, "not a valid HTTP field name"),
    ("colon in a name", {"X-A:b": "x"}, "not a valid HTTP field name"),
    ("CRLF in a name", {"X-A\r\nHost": "evil.example"}, "not a valid HTTP field name"),
    ("empty name", {"": "x"}, "not a valid HTTP field name"),
    ("CRLF in a value", {"X-A": "a\r\nHost: evil.example"}, "control character"),
    ("LF in a value", {"X-A": "a\nb"}, "control character"),
    ("NUL in a value", {"X-A": "a\x00"}, "control character"),
    ("TAB in a value", {"X-A": "\tx"}, "control character"),
    ("non-ASCII value", {"X-A": "caf\u00e9"}, "ASCII"),
    ("number value", {"X-A": 1}, "string value"),
    ("same name twice", {"X-A": "1", "x-a": "2"}, "twice"),
    ("not an object", ["Accept: */*"], "must be an object"),
    ("too many", {f"X-{i}": "v" for i in range(30)}, "at most"),
]


@pytest.mark.parametrize(
    ("headers", "fragment"), [(h, f) for _, h, f in HOSTILE_HEADERS], ids=[i for i, _, _ in HOSTILE_HEADERS]
)
def test_a_hostile_header_is_refused(headers: Any, fragment: str) -> None:
    with pytest.raises(ConfinementError, match=fragment):
        confine_headers(headers)


@pytest.mark.parametrize(
    ("url", "same"),
    [
        ("https://app.paymoapp.com/anywhere", True),
        ("https://app.paymoapp.com:443/api/x", True),
        ("HTTPS://APP.PAYMOAPP.COM/api/x", True),
        ("http://app.paymoapp.com/api/x", False),
        ("https://app.paymoapp.com:8443/api/x", False),
        ("https://app.paymoapp.com.evil.example/api/x", False),
        ("https://evil.example/api/x", False),
        ("/api/x", False),
        ("https://app.paymoapp.com:notaport/x", False),
    ],
)
def test_same_origin_compares_scheme_host_and_port(url: str, same: bool) -> None:
    assert same_origin(BASE, url) is same


def test_the_battery_has_at_least_25_hostile_inputs() -> None:
    hostile = len(HOSTILE_PATHS) + len(HOSTILE_QUERIES) + len(HOSTILE_HEADERS)
    assert hostile >= 25
