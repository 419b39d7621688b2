"""What makes a call a write, and a repeated write harmless: facts both code frontends use.

Imports nothing from MCP or from a frontend, so the Python and TypeScript frontends (compiled or not)
classify the same SQL and the same DynamoDB conditions alike.
"""

from __future__ import annotations

import re

# The first word of a SQL text that changes data (DUR021 rather than DUR003)
SQL_WRITE_VERBS = ("insert", "update", "delete", "merge", "replace", "create", "drop", "alter", "truncate",
                   "upsert", "grant")
_SQL_WRITE = re.compile(r"\s*\(*\s*(?:" + "|".join(SQL_WRITE_VERBS) + r")\b", re.IGNORECASE)
# a DynamoDB condition that holds again when a retried update is applied a second time
_EXISTS_ONLY = re.compile(r"(?:\s|\(|\)|\bAND\b|attribute_exists\s*\(\s*[#\w.]+\s*\))*", re.IGNORECASE)


def sql_writes(sql: str) -> bool:
    """Whether SQL text starts (after spaces and opening parentheses) with a verb that changes data."""
    return _SQL_WRITE.match(sql) is not None


def condition_guards_a_repeat(condition: str | None) -> bool:
    """Whether an update's ConditionExpression can make a second application fail: any condition but
    attribute_exists(...) alone, which holds again on a retry; one that is no literal (None) is trusted."""
    return condition is None or _EXISTS_ONLY.fullmatch(condition) is None
