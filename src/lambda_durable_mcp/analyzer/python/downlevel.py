"""Parse Python source of any recent version with the running interpreter's ``ast``.

Lambda runs Python 3.13/3.14 while this server may run on 3.11. When ``ast.parse`` fails, the
source is lowered to 3.11 syntax keeping every line and column of the code we analyze:

- PEP 695 type parameters (``def f[T](x: T)``, ``class C[T]:``) are blanked out;
- ``type X[T] = ...`` becomes ``_=0; X = ...``;
- f-strings and t-strings (PEP 701 nesting, PEP 750) become a parenthesised tuple of their
  replacement-field expressions, each at its original position: calls inside them stay visible;
- ``except A, B:`` (PEP 758) gets parentheses (the rest of that line shifts by one column).

Only the fallback path pays for this scan.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings

_PREFIX_CHARS = set("rRbBuUfFtT")
_STMT_DEF = re.compile(r"[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w+[ \t]*\[")
_STMT_TYPE = re.compile(r"[ \t]*type[ \t]+\w+[ \t]*(\[|=(?!=))")
_STMT_EXCEPT = re.compile(r"[ \t]*except(?:[ \t]*\*)?[ \t]+")


def _parse(text: str, path: str) -> ast.Module:
    # Compiling the code under analysis warns about the code's own oddities (an invalid escape sequence,
    # `is` with a literal; SyntaxWarning on stderr from Python 3.12): they would read as the linter's
    # output, and under -W error they would fail the parse
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


def parse_any(text: str, path: str = "<input>") -> tuple[ast.Module | None, str | None]:
    """(tree, None) or (None, "line: message")."""
    try:
        return _parse(text, path), None
    except SyntaxError as exc:
        first: SyntaxError = exc
    except (RecursionError, MemoryError):
        return None, "1: code nested too deeply to parse"
    except ValueError as exc:  # NUL bytes
        return None, f"1: cannot parse: {exc}"
    lowered = None
    if "f-string" in str(first.msg) or _newer_syntax_near(text, first.lineno or 1):
        try:
            lowered = lower(text)
        except (RecursionError, IndexError, ValueError):
            lowered = None
    if lowered is not None and lowered != text:
        try:
            return _parse(lowered, path), None
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            pass
    return None, f"{first.lineno or 1}: syntax error: {first.msg}"


_HINTS = re.compile(
    r"^\s*(?:async\s+)?(?:def|class)\s+\w+\s*\[|^\s*type\s+\w+|^\s*except\b[^:(]*,|"
    r"(?<![\w])[fFtT][rR]?[\"']|(?<![\w])[rR][fFtT][\"']")


def _newer_syntax_near(text: str, lineno: int) -> bool:
    """Whether the lines around a syntax error hold syntax newer than 3.11 (else lowering is pointless)."""
    lines = text.splitlines()[max(0, lineno - 3): lineno + 1]
    return any(_HINTS.search(line) for line in lines)


class _Fail(Exception):
    pass


def _string_end(text: str, i: int) -> int:
    """End (exclusive) of a plain string literal whose quote starts at ``i``."""
    q = text[i: i + 3] if text.startswith(('"""', "'''"), i) else text[i]
    j = i + len(q)
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if text.startswith(q, j):
            return j + len(q)
        if c == "\n" and len(q) == 1:
            raise _Fail
        j += 1
    raise _Fail


def _fstring(text: str, i: int, fields: list[tuple[int, int, int]]) -> int:
    """Scan an f/t-string whose quote starts at ``i``; appends (expr_start, expr_end, terminator)."""
    q = text[i: i + 3] if text.startswith(('"""', "'''"), i) else text[i]
    j = i + len(q)
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if text.startswith(q, j):
            return j + len(q)
        if c == "\n" and len(q) == 1:
            raise _Fail
        if c == "{":
            if text.startswith("{{", j):
                j += 2
                continue
            j = _field(text, j + 1, fields)
            continue
        if c == "}":
            j += 2 if text.startswith("}}", j) else 1
            continue
        j += 1
    raise _Fail


def _field(text: str, j: int, fields: list[tuple[int, int, int]]) -> int:
    """A replacement field starting after ``{``; returns the index after its ``}``."""
    start = j
    depth = 0
    n = len(text)
    while j < n:
        c = text[j]
        if c in "\"'":
            k = j
            while k > start and text[k - 1] in _PREFIX_CHARS:
                k -= 1
            prefix = text[k:j].lower()
            j = _fstring(text, j, fields) if ("f" in prefix or "t" in prefix) else _string_end(text, j)
            continue
        if c == "#":
            while j < n and text[j] != "\n":
                j += 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}" and depth > 0:
            depth -= 1
        elif depth == 0:
            if c == "}" or (c == "!" and not text.startswith("!=", j)) or c == ":":
                break
            if c == "=" and not text.startswith("==", j) and text[j - 1] not in "=!<>" and \
                    re.match(r"=\s*[}!:]", text[j:j + 40]):
                break
        j += 1
    else:
        raise _Fail
    fields.append((start, j, j))
    c = text[j]
    if c == "=":
        j += 1
        while text[j] in " \t":
            j += 1
        c = text[j]
    if c == "!":
        j += 2
        c = text[j]
    if c == ":":
        j += 1
        while j < n and text[j] != "}":
            if text[j] == "{":
                j = _field(text, j + 1, fields)
                continue
            j += 1
        if j >= n:
            raise _Fail
    if text[j] != "}":
        raise _Fail
    return j + 1


def lower(text: str) -> str:
    """Rewrite 3.12-3.14 syntax to 3.11 syntax, keeping positions (see the module docstring)."""
    out = list(text)
    n = len(text)
    strings: list[tuple[int, int, bool, list[tuple[int, int, int]]]] = []  # start, end, is_f, fields
    stmt_starts = [0]
    depth = 0
    i = 0
    scan = re.compile(r"#[^\n]*|[\"']|[\[\](){}]|\n|;|\\\n")
    while i < n:
        m = scan.search(text, i)
        if m is None:
            break
        j = m.start()
        tok = m.group()
        if tok in ('"', "'"):
            k = j
            while k > 0 and text[k - 1] in _PREFIX_CHARS and j - k < 2:
                k -= 1
            if k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"):
                k = j
            prefix = text[k:j].lower()
            fields: list[tuple[int, int, int]] = []
            try:
                if "f" in prefix or "t" in prefix:
                    end = _fstring(text, j, fields)
                    strings.append((k, end, True, fields))
                else:
                    end = _string_end(text, j)
                    strings.append((k, end, False, fields))
            except _Fail:
                return text
            i = end
            continue
        if tok in "([{":
            depth += 1
        elif tok in ")]}":
            depth = max(0, depth - 1)
        elif tok in ("\n", ";") and depth == 0:
            stmt_starts.append(j + 1)
        i = m.end()

    # f-strings: whole implicit-concatenation chains become one tuple expression.
    chains: list[list[tuple[int, int, bool, list[tuple[int, int, int]]]]] = []
    for s in strings:
        if chains and re.fullmatch(r"(?:\s|\\\n|#[^\n]*)*", text[chains[-1][-1][1]: s[0]]):
            chains[-1].append(s)
        else:
            chains.append([s])
    in_fstring: list[tuple[int, int]] = []
    for chain in chains:
        if not any(s[2] for s in chain):
            continue
        start, end = chain[0][0], chain[-1][1]
        in_fstring.append((start, end))
        for p in range(start, end):
            if out[p] != "\n":
                out[p] = " "
        out[start] = "("
        out[end - 1] = ")"
        for s in chain:
            for fs, fe, term in s[3]:
                if not text[fs:fe].strip():
                    continue
                out[fs:fe] = list(lower(text[fs:fe]))
                out[term] = ","

    def blank_brackets(pos: int) -> None:
        level = 0
        for p in range(pos, n):
            c = text[p]
            if c == "[":
                level += 1
            elif c == "]":
                level -= 1
                if level == 0:
                    for r in range(pos, p + 1):
                        if out[r] != "\n":
                            out[r] = " "
                    return

    inserts: list[tuple[int, str]] = []
    span_starts = [a for a, _ in in_fstring]
    for start in stmt_starts:
        k = bisect.bisect_right(span_starts, start) - 1
        if k >= 0 and start < in_fstring[k][1]:
            continue
        m = _STMT_DEF.match(text, start)
        if m:
            blank_brackets(m.end() - 1)
            continue
        m = _STMT_TYPE.match(text, start)
        if m:
            kw = text.index("type", start)
            out[kw: kw + 4] = list("_=0;")  # `type X = v` -> `_=0; X = v`: same columns
            if m.group(1) == "[":
                blank_brackets(m.end() - 1)
            continue
        m = _STMT_EXCEPT.match(text, start)
        if m:
            colon = text.find(":", m.end())
            header = text[m.end(): colon] if colon > 0 else ""
            if "," in header and " as " not in header and "(" not in header.lstrip()[:1] and "\n" not in header:
                inserts.append((m.end(), "("))
                inserts.append((colon, ")"))
    result = "".join(out)
    for pos, piece in sorted(inserts, reverse=True):
        result = result[:pos] + piece + result[pos:]
    return result
