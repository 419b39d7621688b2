"""Mask obvious secrets in anything shown to an agent: AWS access key ids, secret access keys,
session tokens, bearer tokens and JWTs, and values of keys named like passwords or API keys.

Applied to every output that can carry user data, even with --allow-sensitive-data-access.
No MCP imports; usable by any tool. ``redact`` walks dicts, lists and strings (JSON kept valid:
only string contents change).
"""

from __future__ import annotations

import re
from typing import Any

MASK = "[REDACTED]"

_KEY_NAMES = (
    r"aws_?secret_?access_?key|secret_?access_?key|secretAccessKey|SecretAccessKey|"
    r"aws_?session_?token|session_?token|sessionToken|SessionToken|x-amz-security-token|"
    r"password|passwd|api[_-]?key|apiKey|client[_-]?secret|clientSecret|private[_-]?key"
)
# key = value, key: value, "key": "value" (JSON, YAML, env files, logs)
_KEYED = re.compile(
    rf"(?P<key>[\"']?(?:{_KEY_NAMES})[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"',;}}]{{4,}})",
    re.IGNORECASE,
)
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_STS_TOKEN = re.compile(r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9/+=]{20,}")
# A bare 40-character secret access key: base64 alphabet, mixed case and digits, not hex.
_SECRET_CANDIDATE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def _looks_like_secret_key(token: str) -> bool:
    return (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
        and not re.fullmatch(r"[0-9a-fA-F]+", token)
    )


def redact_text(text: str) -> str:
    if not text:
        return text
    text = _KEYED.sub(lambda m: m.group("key") + MASK, text)
    text = _STS_TOKEN.sub(MASK, text)
    text = _ACCESS_KEY_ID.sub(MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _JWT.sub(MASK, text)
    text = _SECRET_CANDIDATE.sub(lambda m: MASK if _looks_like_secret_key(m.group(0)) else m.group(0), text)
    return text


def redact(value: Any) -> Any:
    """A copy of ``value`` with secrets masked in every string (keys of dicts included)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and isinstance(item, str) and re.fullmatch(rf"(?:{_KEY_NAMES})", key, re.IGNORECASE):
                out[key] = MASK if item else item
            else:
                out[redact(key) if isinstance(key, str) else key] = redact(item)
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(redact(item) for item in value)
    return value
