"""Code blocks of the reference guides, as the guide tests check them."""

import re
from dataclasses import dataclass
from pathlib import Path

from lambda_durable_mcp.guides import TOPICS, references_dir

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Block:
    topic: str
    line: int
    lang: str
    flags: frozenset[str]
    code: str

    @property
    def where(self) -> str:
        return f"references/{self.topic}.md:{self.line}"


LANGS = {"typescript": "ts", "ts": "ts", "javascript": "js", "js": "js", "python": "python", "py": "python",
         "bash": "bash", "sh": "bash", "shell": "bash", "console": "bash", "yaml": "yaml", "yml": "yaml",
         "json": "json", "text": "text", "": "text"}


def guide_path(topic: str) -> Path:
    return references_dir() / f"{topic}.md"


def blocks(topic: str | None = None) -> list[Block]:
    out = []
    for t in [topic] if topic else TOPICS:
        if not guide_path(t).exists():
            continue  # test_guides.py fails on a missing guide
        text = guide_path(t).read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            info = m.group(1).strip().split()
            lang = LANGS.get(info[0].lower() if info else "", info[0] if info else "text")
            out.append(Block(t, text.count("\n", 0, m.start()) + 1, lang, frozenset(info[1:]), m.group(2)))
    return out
