"""Mask obvious secrets in anything shown to an agent: AWS access key ids, secret access keys,
session tokens, bearer and basic credentials, JWTs, well-known API token formats, passwords in
URLs, PEM private keys, and values of keys named like passwords, secrets, tokens or API keys.

Applied to every output that can carry user data, even with --allow-sensitive-data-access.
No MCP imports; usable by any tool. ``redact`` walks dicts, lists and strings (JSON kept valid:
only string contents change).
"""

from __future__ import annotations

import json
import re
from typing import Any

MASK = "[REDACTED]"

# Key names that hold secrets, also inside longer names (db_password, stripeApiKey, AUTH_TOKEN).
# "token" only as the last word and singular, so that usage counts (inputTokens) stay readable.
_KEY_NAMES = (
    r"[\w.-]*?(?:secret_?access_?key|secretaccesskey|session_?token|security[_-]?token|password|passwd|"
    r"pass_?phrase|api[_-]?key|client[_-]?secret|private[_-]?key|secret|credentials?)[\w.-]*|"
    r"(?:[\w.-]*?[_.-]|[a-z][a-z0-9]*?)?token"
)
_KEY_RE = re.compile(rf"(?:{_KEY_NAMES})", re.IGNORECASE)
# key = value, key: value, "key": "value" (JSON, YAML, env files, logs). A quoted value is masked
# whole, spaces included; an unquoted one up to the end of the line or a separator.
# A key (a whole identifier, at most 80 characters: the name test runs on it afterwards, so a long run
# of word characters cannot make the regex backtrack) then `:` or `=`, then the value.
# Quotes may be escaped (a backslash or more before them): a JSON document kept as a string inside
# JSON, such as a callback result in the history, carries its keys as backslash-quote api_key.
_KEYED = re.compile(
    r"(?<![\w.-])(?P<key>(?P<kq>\\{0,7}[\"']|)(?P<name>[\w.-]{1,80})(?P=kq)\s*[:=]\s*)"
    r"(?:(?P<quote>\\{0,7}[\"'])(?P<quoted>[^\"'\n]+?)(?P=quote)|(?P<value>[^\s\"',;&}\]][^\n\"',;&}\]]{2,}))",
)
# Well-known token formats: GitHub, Slack, Stripe-like live keys, Google API keys, HTTP Basic auth,
# credentials in URLs, PEM private keys.
_TOKENS = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|"
    r"sk_live_[A-Za-z0-9]{10,}|AIza[0-9A-Za-z_-]{30,})"
)
_BASIC = re.compile(r"(?i)\b(basic\s+)[A-Za-z0-9+/]{8,}=*")
_URL_CREDENTIALS = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]{0,30}://[^\s:/@]{1,200}:)(?P<secret>[^\s@/]{1,500})(?=@)",
                              re.IGNORECASE)
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL)
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


def _keyed(m: re.Match[str]) -> str:
    if not _KEY_RE.fullmatch(m.group("name")):
        return m.group(0)
    if m.group("quote"):
        return m.group("key") + m.group("quote") + MASK + m.group("quote")
    return m.group("key") + MASK


def redact_text(text: str) -> str:
    if not text:
        return text
    text = _PEM.sub(MASK, text)
    text = _KEYED.sub(_keyed, text)
    text = _TOKENS.sub(MASK, text)
    text = _BASIC.sub(lambda m: m.group(1) + MASK, text)
    text = _URL_CREDENTIALS.sub(lambda m: m.group("head") + MASK, text)
    text = _STS_TOKEN.sub(MASK, text)
    text = _ACCESS_KEY_ID.sub(MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _JWT.sub(MASK, text)
    text = _SECRET_CANDIDATE.sub(lambda m: MASK if _looks_like_secret_key(m.group(0)) else m.group(0), text)
    return text


def _redact_string(text: str) -> str:
    """A string that holds a JSON object or array (an HTTP body, a callback result) is masked by its
    structure, strings it holds in turn included; other text by the patterns."""
    stripped = text.strip()
    if len(stripped) > 1 and stripped[0] in "{[" and stripped[-1] in "}]":
        try:
            parsed = json.loads(stripped)
            masked = redact(parsed) if isinstance(parsed, (dict, list)) else parsed
        except (ValueError, RecursionError):  # not JSON, or nested beyond what is worth parsing
            pass
        else:
            if isinstance(parsed, (dict, list)):
                return json.dumps(masked, ensure_ascii=False) if masked != parsed else text
    return redact_text(text)


def redact(value: Any) -> Any:
    """A copy of ``value`` with secrets masked in every string (keys of dicts included)."""
    if isinstance(value, str):
        return _redact_string(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and item not in (None, "", [], {}) and not isinstance(item, bool) \
                    and _KEY_RE.fullmatch(key):
                out[key] = MASK  # any value under a secret's name: a number, a nested object, a list
            else:
                out[redact(key) if isinstance(key, str) else key] = redact(item)
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(redact(item) for item in value)
    return value
