"""The analyzer's output contract, shared by every language frontend, the CLI and the MCP tool.

Imports nothing from MCP. Lines and columns are 1-based; ``line`` is where the offending
expression starts.
"""

import re
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
Language = Literal["typescript", "javascript", "python", "template"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity  # the default; a diagnostic may carry another where the catalogue says so
    summary: str        # one line for docs, --help and SARIF
    guide: str          # "topic#section" of the guide to read


# Ids never change; a rule may get smarter, never renumbered (../shared/VALIDATOR_RULES.md).
RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("DUR001", "error", "Clock read outside a step", "replay-model-rules#determinism"),
    Rule("DUR002", "error", "Randomness or id generation outside a step", "replay-model-rules#determinism"),
    Rule("DUR003", "error", "External read outside a step", "replay-model-rules#determinism"),
    Rule("DUR004", "warning", "Invocation-specific state steering orchestration logic",
         "replay-model-rules#determinism"),
    Rule("DUR005", "error", "Call to a project function that is non-deterministic or has side effects",
         "replay-model-rules#determinism"),
    Rule("DUR006", "error", "Durable operation that depends on a non-deterministic value",
         "replay-model-rules#determinism"),
    Rule("DUR007", "warning", "Durable operations issued while iterating a set", "replay-model-rules#determinism"),
    Rule("DUR008", "error", "Racing or threading durable operations outside the SDK's combinators",
         "concurrent-operations#combinators"),
    Rule("DUR009", "warning", "In-process sleep in orchestration code", "wait-operations#waits"),
    Rule("DUR010", "error", "Durable operation inside step-wrapped code", "step-operations#nesting"),
    Rule("DUR011", "error", "Parent context used inside a child, map or parallel body",
         "concurrent-operations#child-contexts"),
    Rule("DUR012", "error", "Write to outer state inside a step or child body", "replay-model-rules#state"),
    Rule("DUR013", "warning", "Mutable module-level state written from orchestration code",
         "replay-model-rules#state"),
    Rule("DUR014", "error", "Durable operation neither awaited, returned nor combined",
         "replay-model-rules#awaiting"),
    Rule("DUR015", "error", "Operation given a call's result or a misplaced argument where it expects a function",
         "step-operations#defining-steps"),
    Rule("DUR016", "error", "Bare except around durable operations swallows suspension",
         "error-handling#catching"),
    Rule("DUR020", "warning", "Logging outside a step repeats on every replay", "replay-model-rules#side-effects"),
    Rule("DUR021", "error", "External write outside a step", "replay-model-rules#side-effects"),
    Rule("DUR030", "info", "Unnamed, non-deterministically named or duplicate-named operation",
         "replay-model-rules#naming"),
    Rule("DUR031", "error", "Wait duration out of range", "wait-operations#durations"),
    Rule("DUR032", "warning", "Invoke of an unqualified function", "advanced-patterns#invoke"),
    Rule("DUR033", "warning", "Callback without a timeout", "wait-operations#callbacks"),
    Rule("DUR034", "warning", "Step or child result that does not survive a JSON round trip",
         "step-operations#results"),
    Rule("DUR035", "info", "Non-idempotent write in a step that retries", "error-handling#retries"),
    Rule("DUR036", "info", "Promise.all over plain async work in orchestration code",
         "concurrent-operations#map"),
    Rule("DUR050", "error", "DurableConfig missing ExecutionTimeout or out of range",
         "deployment-iac#durableconfig"),
    Rule("DUR051", "error", "Durable function role lacks the durable execution permissions",
         "deployment-iac#permissions"),
    Rule("DUR052", "warning", "Durable function without a published version or alias",
         "deployment-iac#versions"),
    Rule("DUR053", "warning", "Fixed FunctionName on a durable function", "deployment-iac#replacement"),
    Rule("DUR054", "error", "Runtime the durable SDK does not support", "deployment-iac#runtimes"),
    Rule("DUR055", "warning", "Wait or callback timeout longer than the ExecutionTimeout",
         "deployment-iac#durableconfig"),
)}

# The fix in a few words, for the end of every code message: `<what and why>; <short fix> (guide:
# <section>)`. The diagnostic's `fix` field says exactly what to change. Wording fits every language;
# a key with a suffix is a variant of its rule ("DUR004-env": an environment variable).
SHORT_FIX: dict[str, str] = {
    "DUR001": "move it into a step", "DUR002": "move it into a step", "DUR003": "wrap it in a step",
    "DUR004": "read it in a step", "DUR004-env": "invoke a published version, or read it in a step",
    "DUR005": "call it inside a step", "DUR006": "branch on a step's result",
    "DUR007": "iterate a sorted list", "DUR008": "use the context's combinators", "DUR009": "use context.wait",
    "DUR010": "move it out of the step", "DUR011": "use the body's own context",
    "DUR012": "return the value instead", "DUR013": "keep the state local", "DUR014": "await it",
    "DUR015": "pass a function", "DUR016": "catch Exception or re-raise", "DUR020": "log with the durable context's logger",
    "DUR021": "wrap it in a step", "DUR030": "use a stable, unique name", "DUR031": "use 1 s to 366 days",
    "DUR032": "invoke a version or alias", "DUR033": "set a timeout",
    "DUR034": "return plain JSON or add a serdes", "DUR035": "make the write idempotent",
    "DUR036": "use context.map with maxConcurrency",
}


def code_message(rule: str, what: str, short: str | None = None, guide: str | None = None) -> str:
    """`<what and why>; <short fix> (guide: <section>)`, the layout of every code diagnostic."""
    fix = short or SHORT_FIX.get(rule)
    guide = guide or RULES[rule].guide
    return f"{what}; {fix} (guide: {guide})" if fix else f"{what} (guide: {guide})"


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    severity: Severity
    message: str
    fix: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class AnalysisResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    parse_errors: list[str] = field(default_factory=list)  # "path:line: message"
    stopped_early: str | None = None                       # why the walk stopped, if it did
    unreadable: list[str] = field(default_factory=list)    # paths that could not be read (I/O problems)

    def summary(self) -> dict[str, object]:
        by_sev = {s: sum(1 for d in self.diagnostics if d.severity == s) for s in ("error", "warning", "info")}
        out: dict[str, object] = {"files": self.files, **by_sev}
        if self.parse_errors:
            out["parse_errors"] = self.parse_errors
        if self.stopped_early:
            out["stopped_early"] = self.stopped_early
        return out

    def to_dict(self) -> dict[str, object]:
        return {"diagnostics": [d.to_dict() for d in self.diagnostics], "summary": self.summary()}


_CAMEL_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_NAME = re.compile(r"[^a-z0-9]+")


def kebab(name: str) -> str:
    """An operation name after a code name: `audit.logProgress` / `log_progress` -> "log-progress"."""
    return _NON_NAME.sub("-", _CAMEL_BREAK.sub("-", name.rsplit(".", 1)[-1]).lower()).strip("-")


# a key or field that names one record (id, orderId, order_id, key, name, sku): loop step names use it
ID_KEY = re.compile(r"(?:^|_)(?:[iI][dD]|[kK]ey|[nN]ame|[sS]ku)$|[a-z0-9](?:Id|ID|Key|Name)$")

# a name the fixes give an unnamed operation when nothing takes its result, by method (both spellings)
SUGGESTED_NAME = {"step": "load-order", "wait": "cool-down", "runInChildContext": "phase",
                  "run_in_child_context": "phase", "map": "process-items", "parallel": "fan-out",
                  "invoke": "call-service", "createCallback": "approval", "create_callback": "approval",
                  "waitForCallback": "approval", "wait_for_callback": "approval",
                  "waitForCondition": "until-ready", "wait_for_condition": "until-ready"}


def unique_name(name: str, taken: set[str]) -> str:
    """name, else name-2, name-3...: the first that `taken` lacks, which then holds it. Fix texts name
    their steps through it, so that applying every fix of a handler adds no duplicate name (DUR030)."""
    unique, k = name, 2
    while unique in taken:
        unique, k = f"{name}-{k}", k + 1
    taken.add(unique)
    return unique


def looks_binary(data: bytes) -> bool:
    """Binary content, judged like git by the first 8 KB, except that a stray NUL in otherwise valid
    UTF-8 text (a separator inside a string literal) still counts as text."""
    head = data[:8192]
    nuls = head.count(b"\x00")
    if not nuls:
        return False
    if nuls * 100 > len(head):
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start < len(head) - 3  # a character cut at the window's end is no evidence
    return False


# Rules whose harm is repeating (or differing) on replay: code after the last durable operation of a
# handler or child body runs once, in the invocation that completes it, so both frontends drop these
# there (DUR009's in-process sleep stays: it is billed and cannot outlive the timeout either way).
ONCE_AFTER_LAST_OPERATION = frozenset({"DUR001", "DUR002", "DUR003", "DUR004", "DUR020", "DUR021"})

# Lambda's FunctionName forms: NAME, ACCOUNT:function:NAME, REGION:ACCOUNT:function:NAME or
# arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME, each optionally followed by :VERSION or :ALIAS
# (botocore's pattern for Invoke's FunctionName, narrowed to the forms the durable SDKs pass on).
FUNCTION_ID = re.compile(r"(?:(?:arn:aws[\w-]*:lambda:)?(?:[a-z]{2}(?:-[a-z]+)+-\d+:)?\d{12}:function:)?"
                         r"(?P<name>[A-Za-z0-9_.-]+)(?::(?P<qualifier>\$LATEST|[A-Za-z0-9_-]+))?")
