"""Webhook signatures as Paymo documents them."""

from __future__ import annotations

from paymo_mcp.watch.signature import sign, verify

DOC_BODY = b'{"id":"1679584"}'
DOC_SIGNATURE = "sha1=dc03736e396e70138bf7af4ffaa2948cde42dcf1"


def test_sign_matches_the_paymo_docs_example() -> None:
    assert sign("secret", DOC_BODY) == DOC_SIGNATURE


def test_verify_accepts_the_docs_example() -> None:
    assert verify("secret", DOC_BODY, DOC_SIGNATURE)


def test_verify_accepts_uppercase_hex() -> None:
    assert verify("secret", DOC_BODY, DOC_SIGNATURE.upper().replace("SHA1=", "sha1="))


def test_verify_refuses_a_changed_body_or_wrong_secret() -> None:
    assert not verify("secret", b'{"id":"1679585"}', DOC_SIGNATURE)
    assert not verify("other", DOC_BODY, DOC_SIGNATURE)


def test_verify_refuses_a_reformatted_body() -> None:
    # The signature covers the raw bytes: re-serialised JSON with a space is a different body.
    assert not verify("secret", b'{"id": "1679584"}', DOC_SIGNATURE)


def test_verify_refuses_missing_empty_or_unprefixed_headers() -> None:
    assert not verify("secret", DOC_BODY, None)
    assert not verify("secret", DOC_BODY, "")
    assert not verify("secret", DOC_BODY, DOC_SIGNATURE.removeprefix("sha1="))
    assert not verify("", DOC_BODY, sign("", DOC_BODY))
