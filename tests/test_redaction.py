"""Secrets are masked in text and nested values; ordinary identifiers are left alone."""

import json

import pytest

from lambda_durable_mcp.redaction import MASK, redact, redact_text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("key id AKIAIOSFODNN7EXAMPLE in a log", "AKIAIOSFODNN7EXAMPLE"),
        ("temporary ASIAY34FZKBOKMUTVV7A here", "ASIAY34FZKBOKMUTVV7A"),
        ("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ('{"aws_session_token": "FwoGZXIvYXdzEBYaDExampleTokenValue123"}', "FwoGZXIvYXdzEBYaDExampleTokenValue123"),
        ("token IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ ok", "IQoJb3JpZ2luX2VjEJr"),
        ("Authorization: Bearer sk-live-abcdef0123456789", "sk-live-abcdef0123456789"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", "eyJhbGciOiJIUzI1NiJ9"),
        ("password=hunter2hunter2", "hunter2hunter2"),
        ("export AWS_SECRET_ACCESS_KEY=abc/def+ghi", "abc/def+ghi"),
    ],
)
def test_secrets_are_masked(text: str, secret: str) -> None:
    masked = redact_text(text)
    assert secret not in masked
    assert MASK in masked


@pytest.mark.parametrize(
    "text",
    [
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",  # hex digest, 40 chars
        "execution 0f3c2b1a-1111-4a4a-9b9b-123456789abc/0f3c2b1a-1111-4a4a-9b9b-123456789abc",
        "callback eyJhcm4iOiI2NDJjNzRjOC05NjBkLTRmYzAtYTdjNS0zNDMyYzI2NGRkNjgvYjFkNGY4ZjctZjQ0Mi00ZDNk",
        "arn:aws:lambda:us-east-1:123456789012:function:orders:1/durable-execution/run-1/abc",
        "the step charge-card raised PaymentDeclined after 3 attempts",
    ],
)
def test_ordinary_values_stay(text: str) -> None:
    assert redact_text(text) == text


def test_nested_values_keep_their_shape_and_json_stays_valid() -> None:
    value = {
        "user": {"email": "a@b.c", "password": "pw-123456", "keys": ["AKIAIOSFODNN7EXAMPLE", 3, None]},
        "payload": json.dumps({"secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}),
    }
    masked = redact(value)
    assert masked["user"]["email"] == "a@b.c"
    assert masked["user"]["password"] == MASK
    assert masked["user"]["keys"] == [MASK, 3, None]
    assert json.loads(masked["payload"]) == {"secretAccessKey": MASK}
    assert value["user"]["password"] == "pw-123456"  # the input is not modified


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("db_password=hunter2hunter2", "hunter2hunter2"),
        ("password=correct horse battery staple", "horse battery"),
        ('{"secret": "s3cr3t value"}', "s3cr3t value"),
        ("AUTH_TOKEN=xyz123456", "xyz123456"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123", "ghp_abcdefghijklmnopqrstuvwxyz0123"),
        ("xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("postgres://app:OutsidePgMarker@db.internal/orders", "OutsidePgMarker"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA"),
    ],
)
def test_more_secret_shapes_are_masked(text: str, secret: str) -> None:
    assert secret not in redact_text(text)


def test_any_value_under_a_secrets_name_is_masked_and_usage_counts_stay() -> None:
    masked = redact({"password": 987654321, "credentials": {"user": "a", "pass": "b"}, "inputTokens": 1234,
                     "db": {"api_key": ["k1", "k2"]}, "enabled": True})
    assert masked == {"password": MASK, "credentials": MASK, "inputTokens": 1234, "db": {"api_key": MASK},
                      "enabled": True}
    assert redact_text('"inputTokens": 1234, "outputTokens": 56') == '"inputTokens": 1234, "outputTokens": 56'


def test_a_cut_never_leaves_part_of_a_secret() -> None:
    from lambda_durable_mcp.executions.timeline import clip
    from lambda_durable_mcp.tools.executions import log_line

    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    line = "x" * 280 + f" aws_secret_access_key={secret}"
    assert secret[:10] not in log_line(redact(line))
    assert secret[:10] not in clip(redact({"note": "y" * 480, "SecretAccessKey": secret}), 500)


@pytest.mark.parametrize("text", ["secret_" * 20000, "a." * 50000, "a://b:" * 30000, "password:" * 20000])
def test_adversarial_text_is_masked_in_linear_time(text: str) -> None:
    # a payload is user data: a pattern that backtracks would let one log line stall the server
    import time

    started = time.monotonic()
    redact_text(text)
    assert time.monotonic() - started < 5  # about 0.05 s; the backtracking versions took 30-50 s


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_secrets_in_json_kept_as_a_string_inside_json_are_masked(depth: int) -> None:
    """A callback result is a JSON string inside the history's JSON: its keys arrive as \\"api_key\\"."""
    text = json.dumps({"api_key": "sk-123456", "ok": True})
    for _ in range(depth):
        text = json.dumps(text)
    masked = redact_text(text)
    assert "sk-123456" not in masked and "ok" in masked
    for _ in range(depth):  # still valid JSON at every level
        masked = json.loads(masked)
    assert json.loads(masked) == {"api_key": "[REDACTED]", "ok": True}


def test_secrets_in_a_json_body_kept_under_a_key_are_masked() -> None:
    """An HTTP response in a step result: {"status": 200, "body": "{\\"api_key\\": ...}"} (the body is a
    JSON document kept as a string under a key)."""
    payload = json.dumps({"status": 200, "body": json.dumps({"api_key": "sk-123456abc", "password": "hunter2xyz",
                                                              "note": "it's fine"})})
    masked = redact(payload)
    assert "sk-123456abc" not in masked and "hunter2xyz" not in masked
    body = json.loads(json.loads(masked)["body"])
    assert body == {"api_key": "[REDACTED]", "password": "[REDACTED]", "note": "it's fine"}
    assert redact('{"password": "it\'s-s3cretpw"}') == '{"password": "[REDACTED]"}'
    assert redact("[" * 100_000 + "]" * 100_000)  # too deep to parse: the patterns, no crash
