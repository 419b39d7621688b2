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
#
# BM25 over the level-2 sections. Words are lowercased, identifiers split (waitForCallback ->
# wait for callback, also kept whole), and stemmed lightly so that compensate/compensation and
# approve/approval meet. A small table adds the words the guides use for what a developer
# says ("undo" -> saga, compensation). Sections far below the best one are left out. No models,
# no network: the same question always gives the same answer, in well under a millisecond.

_TOKEN = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by can do does for from how i if in into is it its me my of on or so "
    "that the then this to use using what when where which why will with you your should would "
    "get got make want need there their them they we our not no yes any all just between "
    "difference different differ vs versus way best example examples happen happens work works come "
    "comes came mean means does did done over has have had been was were than too also some still "
    "one im dont doesnt isnt cant whichever".split()
)

# (suffix, replacement), first match wins; a stem keeps at least four letters.
_SUFFIXES = (
    ("izations", ""), ("ization", ""), ("ations", ""), ("ation", ""), ("ments", ""), ("ment", ""),
    ("istic", ""), ("ism", ""), ("ies", "y"), ("ied", "y"), ("ions", ""), ("ion", ""), ("ures", ""),
    ("ure", ""), ("ency", ""), ("ent", ""), ("ers", ""), ("ings", ""), ("ing", ""), ("ate", ""),
    ("ly", ""), ("ed", ""), ("es", ""), ("er", ""), ("al", ""), ("s", ""), ("e", ""),
)
_MIN_STEM = 4


@functools.cache
def stem(word: str) -> str:
    """A light suffix stripper: approve/approval/approved -> approv, compensate/compensation -> compens."""
    for _ in range(2):
        for suffix, repl in _SUFFIXES:
            if not word.endswith(suffix):
                continue
            if suffix == "s" and word[-2:-1] in ("s", "u", "i"):
                continue
            base = word[: -len(suffix)] + repl
            if len(base) < _MIN_STEM:
                continue
            if suffix in ("ing", "ed") and len(base) > _MIN_STEM and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # stopped -> stop, running -> run(n)
            if suffix in ("ing", "ed") and base.endswith("at") and len(base) - 2 >= _MIN_STEM:
                base = base[:-2]  # compensating -> compens, like compensate
            word = base
            break
        else:
            break
    return word


# What developers say -> the words the guides use. Keys are words (matched after stemming) or
# phrases (matched on the question's words); values are added to the question at lower weight.
_EXPANSIONS: dict[str, str] = {
    # callbacks and approvals
    "approval": "callback approval", "approve": "callback approval", "approver": "callback approval",
    "human": "callback approval", "human in the loop": "callback approval", "sign off": "callback approval",
    "manual review": "callback approval", "webhook": "callback", "button": "callback",
    "click": "callback", "resume": "callback complete", "external system": "callback",
    "reminder": "remind escalation", "escalate": "escalation remind", "nobody answers": "timeout callback",
    # sagas
    "compensate": "compensation saga", "rollback": "saga compensation", "roll back": "saga compensation",
    "undo": "saga compensation", "revert": "saga compensation", "refund": "saga compensation",
    "saga": "compensation",
    # concurrency
    "fan out": "map parallel concurrency", "fanout": "map parallel concurrency",
    "each item": "map", "every item": "map", "list of": "map", "at a time": "maxConcurrency",
    "at the same time": "parallel concurrently", "simultaneously": "parallel concurrently",
    "concurrently": "parallel", "side by side": "parallel", "in parallel": "parallel",
    "first to finish": "race", "which one": "choosing", "choose": "choosing", "whichever finishes": "race", "group": "child context",
    # waits and polling
    "poll": "waitForCondition condition", "repeatedly": "poll condition", "until": "condition poll",
    "sleep": "wait", "pause": "wait", "delay": "wait", "timer": "wait", "later": "wait",
    "how long": "duration limit", "at most": "limit",
    # retries and errors
    "retry": "retryStrategy retries", "backoff": "retry retryStrategy", "flaky": "retry transient",
    "transient": "retry", "fail fast": "poison", "on purpose": "failing purpose",
    "deliberately": "failing purpose", "execution fail": "failing purpose",
    "stop the execution": "StopDurableExecution", "stop an execution": "StopDurableExecution", "crash": "semantics", "crashes": "semantics",
    "at most once": "AtMostOncePerRetry semantics", "exactly once": "idempotent semantics",
    "twice": "idempotent", "duplicate": "idempotent", "duplicates": "idempotent",
    "redelivered": "idempotent", "exception": "error", "throw": "error", "raise": "error",
    "timed out": "timeout", "time out": "timeout",
    # replay rules
    "uuid": "determinism random", "random": "determinism", "current time": "determinism clock",
    "clock": "determinism", "again": "replay", "from the top": "replay", "multiple times": "replay",
    "rerun": "replay", "re run": "replay", "counter": "state variable", "variable": "state",
    "nondeterministic": "determinism deploy", "non deterministic": "determinism deploy",
    # testing
    "unit test": "test runner", "jest": "LocalDurableTestRunner typescript test", "pytest": "DurableFunctionTestRunner python test",
    "without waiting": "skip time", "without actually waiting": "skip time",
    # deployment and operations
    "template": "sam cloudformation", "stack": "cloudformation replacement",
    "iam": "permissions", "role": "permissions policy", "access denied": "permissions",
    "already exists": "replacement FunctionName", "node version": "runtime", "python version": "runtime",
    "supported": "runtime", "nodejs20": "runtime", "install": "npm pip package",
    "cron": "schedule", "nightly": "schedule loop", "every day": "schedule loop", "recurring": "schedule loop",
    "another lambda": "invoke", "other function": "invoke", "large": "payload s3", "mb": "payload size",
    "powertools": "logger", "log group": "logs", "cloudwatch": "logs",
    "stuck": "history troubleshooting", "debug": "history troubleshooting", "which step": "history events",
    "personal": "personal data", "pii": "personal data",
    "terminate": "stop StopDurableExecution", "abort": "stop StopDurableExecution",
    "inside a step": "nesting", "inside another step": "nesting", "in a step": "nesting",
    "expose": "personal data", "leak": "personal data", "sensitive": "personal data",
}


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


# Identifiers written as one camelCase word in questions and docs: split them, and keep them whole.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_IDENT = re.compile(r"[A-Za-z0-9_]+")
# Names written in camelCase that are one word (not "type script").
_PRODUCTS = frozenset("typescript javascript cloudformation cloudwatch dynamodb eventbridge".split())


def tokens(text: str) -> list[str]:
    """Index terms of a text: words without stop words and numbers, identifiers split, stemmed."""
    out = []
    for ident in _IDENT.findall(text):
        if ident.lower() in _PRODUCTS:
            parts = [ident.lower()]
        else:
            parts = _words(_CAMEL.sub(" ", ident).replace("_", " "))
        if len(parts) > 1 and not ident.islower():
            parts.append(ident.lower())  # waitForCallback also as one term
        for raw in parts:
            if raw in _STOP or len(raw) < 2 or raw.isdigit():
                continue
            out.append(stem(raw))
    return out


@functools.cache
def _expansion_table() -> tuple[dict[str, tuple[str, ...]], tuple[tuple[str, tuple[str, ...]], ...]]:
    single: dict[str, tuple[str, ...]] = {}
    phrases = []
    for key, value in _EXPANSIONS.items():
        terms = tuple(dict.fromkeys(tokens(value)))
        if " " in key:
            phrases.append((" " + " ".join(_words(key)) + " ", terms))
        else:
            single[stem(key)] = terms
    return single, tuple(phrases)


EXPANSION_WEIGHT = 0.7
OTHER_WORD_WEIGHT = 0.5


@functools.cache
def _vocabulary() -> frozenset[str]:
    """The words the guides are about: headings, guide titles and keywords, the table's targets."""
    words = set()
    for sec in all_sections():
        words.update(tokens(sec.title))
    for info in guide_infos():
        words.update(tokens(info.title + " " + " ".join(info.keywords)))
    single, phrases = _expansion_table()
    for terms in [*single.values(), *(t for _, t in phrases)]:
        words.update(terms)
    return frozenset(words)


def query_terms(question: str) -> dict[str, float]:
    """Weighted terms of a question: the guides' own words 1.0, the words the synonym table adds
    for what the question says ``EXPANSION_WEIGHT``, its other words ``OTHER_WORD_WEIGHT``."""
    own = tokens(question)
    vocab = _vocabulary()
    weights = {tok: 1.0 if tok in vocab else OTHER_WORD_WEIGHT for tok in own}
    single, phrases = _expansion_table()
    extra: list[str] = []
    for tok in own:
        extra += single.get(tok, ())
    padded = " " + " ".join(_words(question)) + " "
    for phrase, terms in phrases:
        if phrase in padded:
            extra += terms
    for tok in extra:
        weights[tok] = max(weights.get(tok, 0.0), EXPANSION_WEIGHT)
    return weights


@dataclass(frozen=True)
class Hit:
    section: Section
    score: float


_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)


class _Index:
    """BM25 over level-2 sections: heading and prose words count once, code words 0.3, the guide's
    title and keywords 0.5 for each of its sections; the heading also scores as a field of its own."""

    K1 = 1.2
    B = 0.75
    TITLE_TF, PROSE, CODE, GUIDE = 1.0, 1.0, 0.3, 0.5
    TITLE = 0.2

    def __init__(self, sections: list[Section], infos: dict[str, GuideInfo]) -> None:
        self.sections = sections
        self.docs: list[dict[str, float]] = []
        self.titles = [set(tokens(sec.title)) or {"\0"} for sec in sections]
        for sec in sections:
            info = infos[sec.topic]
            body = sec.text.split("\n", 1)[1] if "\n" in sec.text else ""
            code = "\n".join(m.group(0) for m in _FENCE.finditer(body))
            prose = _FENCE.sub(" ", body)
            terms: dict[str, float] = {}
            for weight, text in ((self.TITLE_TF, sec.title), (self.PROSE, prose), (self.CODE, code),
                                 (self.GUIDE, info.title + " " + " ".join(info.keywords))):
                for tok in tokens(text):
                    terms[tok] = terms.get(tok, 0.0) + weight
            self.docs.append(terms)
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg_len = sum(self.lengths) / max(len(self.docs), 1)
        self.idf = self._idf([set(d) for d in self.docs])
        self.title_idf = self._idf(self.titles)

    @staticmethod
    def _idf(docs: list[set[str]]) -> dict[str, float]:
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d)
        n = len(docs)
        return {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def score(self, query: dict[str, float]) -> list[Hit]:
        hits = []
        for sec, doc, length, title in zip(self.sections, self.docs, self.lengths, self.titles, strict=True):
            s = 0.0
            for tok, weight in query.items():
                tf = doc.get(tok, 0)
                if tf:
                    s += weight * self.idf[tok] * tf * (self.K1 + 1) / (
                        tf + self.K1 * (1 - self.B + self.B * length / self.avg_len)
                    )
            # The heading as its own field: a word of the question that names the section counts
            # however often the body repeats it, more so in a short heading.
            s += self.TITLE * sum(query[t] * self.title_idf[t] for t in title & query.keys()) / math.sqrt(len(title))
            if s > 0:
                if title <= query.keys():  # the question names every word of the heading
                    s *= 1.5
                hits.append(Hit(sec, s))
        hits.sort(key=lambda h: (-h.score, h.section.anchor))
        return hits


@functools.cache
def _index() -> _Index:
    infos = {i.id: i for i in guide_infos()}
    return _Index([s for s in all_sections() if s.level == 2], infos)


# A section is returned only if it scores at least this share of the best one: no padding.
RELATIVE_CUTOFF = 0.6


def route(
    question: str, max_topics: int = 3, max_sections: int = 4, topic: str | None = None
) -> tuple[list[str], list[Hit]]:
    """The best topics for a question (best first) and the sections that answer it.

    Sections come best first, at most ``max_sections``, and only those scoring at least
    ``RELATIVE_CUTOFF`` of the best: a clear answer comes alone. With ``topic``, only that
    guide's sections compete.
    """
    hits = _index().score(query_terms(question))
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
        t = hit.section.topic
        if t not in per_topic:
            per_topic[t] = hit.score
        elif extra[t] < 2:
            extra[t] += 1
            per_topic[t] += 0.15 * hit.score
    ranked = sorted(per_topic, key=lambda t: (-per_topic[t], t))
    chosen = [h for h in hits if h.score >= RELATIVE_CUTOFF * hits[0].score][:max_sections]
    # The topics of the returned sections, the best-matching guide first.
    topics = [t for t in ranked if any(h.section.topic == t for h in chosen)][:max_topics]
    chosen = [h for h in chosen if h.section.topic in topics]
    return topics, chosen
