"""The README's tool table tells the truth: every tool is in it, with the access the server enforces."""

import re

from conftest import REPO_ROOT, make_settings

from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.tools._common import registered_access

README = (REPO_ROOT / "README.md").read_text()


def test_feature_table_lists_every_tool_with_its_access() -> None:
    access = registered_access(build_server(make_settings(None)))
    rows = [line for line in README.splitlines() if line.startswith("| ") and "`" in line]
    seen: dict[str, str] = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) != 4:
            continue
        for name in re.findall(r"`([a-z_]+)`", cells[1]):
            if name in access:
                seen[name] = cells[2]
    assert set(seen) == set(access), f"missing from the README table: {set(access) - set(seen)}"
    for name, column in seen.items():
        if access[name].writes:
            assert column.startswith("write"), (name, column)
            assert ("destructive" in column) == access[name].destructive, (name, column)
        else:
            assert column == "read-only", (name, column)


def test_every_flag_is_documented() -> None:
    from lambda_durable_mcp.cli import serve_parser

    flags = {opt for action in serve_parser()._actions for opt in action.option_strings if opt.startswith("--")}
    flags -= {"--help"}
    missing = {flag for flag in flags if f"`{flag}" not in README}
    assert not missing, f"flags without a row in the README: {missing}"
