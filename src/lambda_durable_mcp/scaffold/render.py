"""Template loading and the two tiny template languages (no jinja).

``{{KEY}}`` placeholders are replaced from a dict; every placeholder must be known.
Line tags select variants from one template: a line that starts with ``/*tag*/`` (several may be
stacked, e.g. ``/*node*//*ts*/``) is kept only when every tag is active, with the tags removed.
Text in ``«...»`` is TypeScript-only (type annotations): kept without the guillemets when ``ts`` is
active, dropped otherwise.
"""

import re
from importlib import resources

_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_LINE_TAGS = re.compile(r"^((?:/\*[a-z]+\*/)+)")
_TS_ONLY = re.compile(r"«([^»]*)»")


def load(name: str) -> str:
    """A template file shipped in the package (``templates/<name>``)."""
    return (resources.files("lambda_durable_mcp.scaffold") / "templates" / name).read_text(encoding="utf-8")


def substitute(text: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template placeholder {{{{{key}}}}} has no value")
        return values[key]

    return _PLACEHOLDER.sub(replace, text)


def select(text: str, active: set[str]) -> str:
    """Keep the lines whose tags are all active; resolve TypeScript-only spans."""
    out: list[str] = []
    for line in text.splitlines():
        match = _LINE_TAGS.match(line)
        if match:
            tags = set(re.findall(r"/\*([a-z]+)\*/", match.group(1)))
            if not tags <= active:
                continue
            line = line[match.end():]
        out.append(line)
    joined = "\n".join(out) + "\n"
    if "ts" in active:
        return _TS_ONLY.sub(r"\1", joined)
    return _TS_ONLY.sub("", joined)


def render(name: str, active: set[str], values: dict[str, str]) -> str:
    return substitute(select(load(name), active), values)
