"""The reference guides: loading, sections and question routing. Imports nothing from MCP.

Guides are markdown files with a small front matter block (id, title, summary, keywords). They
ship inside the wheel at ``lambda_durable_mcp/references``; an editable install reads the
repository's ``references/`` folder instead.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

TOPICS: tuple[str, ...] = (
    "getting-started",
    "replay-model-rules",
    "step-operations",
    "wait-operations",
    "concurrent-operations",
    "error-handling",
    "advanced-error-handling",
    "testing-patterns",
    "deployment-iac",
    "advanced-patterns",
    "troubleshooting-executions",
)


class GuideError(LookupError):
    """An unknown topic or section; the message lists the valid choices."""


def _candidates() -> tuple[Path, Path]:
    here = Path(__file__).resolve().parent
    return here.parent / "references", here.parents[2] / "references"


def references_dir(candidates: tuple[Path, ...] | None = None) -> Path:
    """The packaged guides first (wheel), then the repository's folder (editable install)."""
    candidates = candidates or _candidates()
    for candidate in candidates:
        if (candidate / f"{TOPICS[0]}.md").is_file():
            return candidate
    raise FileNotFoundError("guides not found in " + " nor ".join(map(str, candidates)))


_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(heading: str) -> str:
    """Heading text lowercased, runs of non-alphanumerics to one '-', trimmed."""
    return _SLUG_STRIP.sub("-", heading.lower()).strip("-")


@dataclass(frozen=True)
class GuideInfo:
    id: str
    title: str
    summary: str
    keywords: tuple[str, ...]
    path: Path


@dataclass(frozen=True)
class Section:
    topic: str
    slug: str
    title: str
    level: int
    text: str  # the heading line and its body, down to the next heading of the same or higher level

    @property
    def anchor(self) -> str:
        return f"{self.topic}#{self.slug}"


@dataclass(frozen=True)
class Guide:
    info: GuideInfo
    body: str  # markdown without the front matter
    sections: tuple[Section, ...] = field(default=())

    def section(self, slug: str) -> Section:
        wanted = slugify(slug.lstrip("#"))
        for sec in self.sections:
            if sec.slug == wanted:
                return sec
        valid = ", ".join(s.slug for s in self.sections if s.level == 2)
        raise GuideError(f"Unknown section '{slug}' in guide '{self.info.id}'. Valid sections: {valid}.")


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 4)
    if end < 0:
        return {}, text
    meta: dict[str, str] = {}
    for line in text[4:end].splitlines():
        if ":" in line and not line.startswith((" ", "#")):
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    return meta, text[end + 5 :]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _keywords(value: str) -> tuple[str, ...]:
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    return tuple(k for k in (_unquote(p.strip()) for p in value.split(",")) if k)


def read_info(path: Path) -> GuideInfo:
    """Front matter only: cheap enough to call at server start."""
    with path.open(encoding="utf-8") as fh:
        head = ""
        for _ in range(40):
            line = fh.readline()
            if not line:
                break
            head += line
            if line == "---\n" and head != "---\n":
                break
    meta, _ = _split_front_matter(head + "\n")
    return GuideInfo(
        id=meta.get("id", path.stem),
        title=_unquote(meta.get("title", path.stem)),
        summary=_unquote(meta.get("summary", "")),
        keywords=_keywords(meta.get("keywords", "")),
        path=path,
    )


@functools.cache
def guide_infos() -> tuple[GuideInfo, ...]:
    folder = references_dir()
    return tuple(read_info(folder / f"{topic}.md") for topic in TOPICS)


def unknown_topic(topic: str) -> GuideError:
    return GuideError(f"Unknown guide topic '{topic}'. Valid topics: {', '.join(TOPICS)}.")


_HEADING = re.compile(r"^(#{2,3}) +(.+?) *#*$")


def _sections(topic: str, body: str) -> tuple[Section, ...]:
    lines = body.splitlines(keepends=True)
    heads: list[tuple[int, int, str]] = []  # (line index, level, title)
    fence = ""
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = "" if fence == marker else (fence or marker)
            continue
        if fence:
            continue
        m = _HEADING.match(line.rstrip("\n"))
        if m:
            heads.append((i, len(m.group(1)), m.group(2).strip()))
    out = []
    for n, (start, level, title) in enumerate(heads):
        end = len(lines)
        for later_start, later_level, _ in heads[n + 1 :]:
            if later_level <= level:
                end = later_start
                break
        out.append(Section(topic, slugify(title), title, level, "".join(lines[start:end]).rstrip() + "\n"))
    return tuple(out)


@functools.cache
def load_guide(topic: str) -> Guide:
    if topic not in TOPICS:
        raise unknown_topic(topic)
    info = next(i for i in guide_infos() if i.id == topic)
    _, body = _split_front_matter(info.path.read_text(encoding="utf-8"))
    return Guide(info=info, body=body.lstrip("\n"), sections=_sections(topic, body))


def all_sections() -> list[Section]:
    return [s for topic in TOPICS for s in load_guide(topic).sections]


# ---------------------------------------------------------------- question routing

_TOKEN = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by can do does for from how i if in into is it its me my of on or so "
    "that the then this to use using what when where which why will with you your should would "
    "get got make want need there their them they we our not no yes any all just between "
    "difference different differ vs versus way best example examples happen happens work works come "
    "comes came mean means does did done".split()
)
# A few phrasings developers use for the same thing; both sides are indexed as one token.
_SYNONYMS = {
    "sleep": "wait", "delay": "wait", "pause": "wait", "timer": "wait", "waiting": "wait",
    "approval": "callback", "webhook": "callback", "human": "callback", "token": "callback",
    "callbacks": "callback", "waitforcallback": "callback", "createcallback": "callback",
    "retries": "retry", "retrying": "retry", "retried": "retry", "backoff": "retry",
    "exception": "error", "exceptions": "error", "errors": "error", "fail": "failed",
    "fails": "failed", "failing": "failed", "failure": "failed", "throw": "error", "raise": "error",
    "tests": "test", "testing": "test", "unit": "test", "jest": "test", "pytest": "test",
    "deploy": "deployment", "deploying": "deployment", "cloudformation": "template", "sam": "template",
    "cdk": "template", "iac": "template", "templates": "template",
    "parallel": "concurrent", "concurrency": "concurrent", "fan": "concurrent", "batch": "concurrent",
    "map": "concurrent", "concurrently": "concurrent",
    "replay": "replay", "replays": "replay", "replayed": "replay", "replaying": "replay",
    "deterministic": "determinism", "nondeterministic": "determinism", "nondeterminism": "determinism",
    "steps": "step", "executions": "execution", "invocations": "invoke", "invoking": "invoke",
    "logs": "log", "logging": "log", "history": "history", "debug": "troubleshoot",
    "debugging": "troubleshoot", "stuck": "troubleshoot", "why": "troubleshoot",
    "idempotent": "idempotency", "idempotence": "idempotency",
    "permission": "permissions", "policy": "permissions", "iam": "permissions", "role": "permissions",
    "accessdenied": "permissions",
    "polling": "poll", "polls": "poll", "waitforcondition": "poll",
}


def tokens(text: str) -> list[str]:
    out = []
    for raw in _TOKEN.findall(text.lower()):
        if raw in _STOP or len(raw) < 2:
            continue
        tok = _SYNONYMS.get(raw, raw)
        if len(tok) > 4 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        if len(tok) > 6 and tok.endswith("ing"):
            tok = tok[:-3]
        elif len(tok) > 5 and tok.endswith("ed") and not tok.endswith("eed"):
            tok = tok[:-2]
        out.append(_SYNONYMS.get(tok, tok))
    return out


# Identifiers written as one camelCase word in questions and docs: split them too.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _index_text(text: str) -> list[str]:
    return tokens(_CAMEL.sub(" ", text)) + tokens(text)


@dataclass(frozen=True)
class Hit:
    section: Section
    score: float


class _Index:
    """BM25 over level-2 sections; heading words, guide title and keywords weigh more."""

    K1 = 1.2
    B = 0.75

    def __init__(self, sections: list[Section], infos: dict[str, GuideInfo]) -> None:
        self.sections = sections
        self.docs: list[Counter[str]] = []
        self.titles = [set(_index_text(sec.title)) or {"\0"} for sec in sections]
        for sec in sections:
            info = infos[sec.topic]
            terms = Counter(_index_text(sec.text))
            for tok in _index_text(sec.title):
                terms[tok] += 4
            for tok in _index_text(info.title + " " + " ".join(info.keywords)):
                terms[tok] += 2
            self.docs.append(terms)
        self.avg_len = sum(sum(d.values()) for d in self.docs) / max(len(self.docs), 1)
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def score(self, query: list[str]) -> list[Hit]:
        hits = []
        qset = set(query)
        for sec, doc, title in zip(self.sections, self.docs, self.titles, strict=True):
            length = sum(doc.values())
            s = 0.0
            for tok in qset:
                tf = doc.get(tok, 0)
                if tf:
                    s += self.idf[tok] * tf * (self.K1 + 1) / (
                        tf + self.K1 * (1 - self.B + self.B * length / self.avg_len)
                    )
            if s > 0:
                if title <= qset:  # the question names every word of the heading
                    s *= 1.5
                hits.append(Hit(sec, s))
        hits.sort(key=lambda h: -h.score)
        return hits


@functools.cache
def _index() -> _Index:
    infos = {i.id: i for i in guide_infos()}
    return _Index([s for s in all_sections() if s.level == 2], infos)


def route(
    question: str, max_topics: int = 3, max_sections: int = 4, topic: str | None = None
) -> tuple[list[str], list[Hit]]:
    """The best topics for a question (best first) and their best-matching sections.

    With ``topic``, only that guide's sections compete.
    """
    query = _index_text(question)
    hits = _index().score(query)
    if topic is not None:
        if topic not in TOPICS:
            raise unknown_topic(topic)
        hits = [h for h in hits if h.section.topic == topic]
    if not hits:
        return [], []
    per_topic: dict[str, float] = {}
    extra: Counter[str] = Counter()
    for hit in hits:
        # A topic is as good as its best section, plus a little for two more matching sections.
        topic = hit.section.topic
        if topic not in per_topic:
            per_topic[topic] = hit.score
        elif extra[topic] < 2:
            extra[topic] += 1
            per_topic[topic] += 0.15 * hit.score
    ranked = sorted(per_topic, key=lambda t: -per_topic[t])
    best = per_topic[ranked[0]]
    topics = [t for t in ranked[:max_topics] if per_topic[t] >= 0.35 * best]
    chosen = [h for h in hits if h.section.topic in topics and h.score >= 0.3 * hits[0].score]
    return topics, chosen[:max_sections]
