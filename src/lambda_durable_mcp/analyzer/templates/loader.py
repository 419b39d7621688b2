"""Load CloudFormation/SAM YAML and JSON into plain values that remember their source lines.

Mappings become ``LDict`` (a dict with ``line``/``col`` of the mapping and ``key_pos[key]``: the
1-based line and column of each key), sequences ``LList`` (``pos[i]`` per item). Short-form
intrinsics (``!Ref X``, ``!GetAtt A.B``, ``!Sub ...``) become their long form (``{"Ref": "X"}``,
``{"Fn::GetAtt": ["A", "B"]}``, ``{"Fn::Sub": ...}``), so the rules see one shape for both
syntaxes. ``yaml`` is imported only when a YAML file is loaded.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import Any


class TemplateParseError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


class LDict(dict[str, Any]):
    line: int = 1
    col: int = 1

    def __init__(self) -> None:
        super().__init__()
        self.key_pos: dict[str, tuple[int, int]] = {}

    def pos(self, key: str) -> tuple[int, int]:
        return self.key_pos.get(key, (self.line, self.col))


class LList(list[Any]):
    line: int = 1
    col: int = 1

    def __init__(self) -> None:
        super().__init__()
        self.pos: list[tuple[int, int]] = []


_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
}
_FN_TAGS = {
    "Sub", "Join", "If", "Select", "FindInMap", "ImportValue", "GetAZs", "Base64", "Split", "Equals",
    "And", "Or", "Not", "Cidr", "Transform", "Length", "ToJsonString", "ForEach", "ValueOf",
    "RefAll", "EachMemberEquals", "EachMemberIn", "Contains", "Implies",
}


_MAX_NODES = 200_000


def load_yaml(text: str) -> Any:
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    try:
        loader = _Loader(text)
    except yaml.YAMLError as e:  # a control character the reader refuses
        raise TemplateParseError(1, str(getattr(e, "reason", "") or e).splitlines()[0]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        budget = [_MAX_NODES]  # aliases can expand a small file exponentially
        return _convert(node, loader, 0, budget)
    except yaml.MarkedYAMLError as e:  # scanner, parser and composer errors
        mark = e.problem_mark or e.context_mark
        raise TemplateParseError((mark.line + 1) if mark else 1, str(e.problem or e)) from None
    except yaml.YAMLError as e:
        raise TemplateParseError(1, str(e).splitlines()[0] if str(e) else "invalid YAML") from None
    except RecursionError:
        raise TemplateParseError(1, "document nested too deeply") from None
    finally:
        loader.dispose()


def _convert(node: Any, loader: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if depth > 200 or budget[0] < 0:
        raise TemplateParseError(node.start_mark.line + 1, "document nested too deeply or too large")
    tag: str = node.tag or ""
    if tag.startswith("!") and not tag.startswith("!!"):
        name = tag[1:]
        inner = _convert_plain(node, loader, depth, budget)
        if name == "GetAtt" and isinstance(inner, str):
            left, _, right = inner.partition(".")
            inner = [left, right]
        key = _SHORT_TAGS.get(name) or ("Fn::" + name if name in _FN_TAGS else "!" + name)
        d = LDict()
        d.line, d.col = node.start_mark.line + 1, node.start_mark.column + 1
        d[key] = inner
        d.key_pos[key] = (d.line, d.col)
        return d
    return _convert_plain(node, loader, depth, budget)


def _convert_plain(node: Any, loader: Any, depth: int, budget: list[int]) -> Any:
    import yaml

    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.MappingNode):
        d = LDict()
        d.line, d.col = line, col
        for knode, vnode in node.value:
            key = _convert(knode, loader, depth + 1, budget)
            if not isinstance(key, str):
                key = str(key)
            d[key] = _convert(vnode, loader, depth + 1, budget)
            d.key_pos[key] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
        return d
    if isinstance(node, yaml.SequenceNode):
        lst = LList()
        lst.line, lst.col = line, col
        for item in node.value:
            lst.append(_convert(item, loader, depth + 1, budget))
            lst.pos.append((item.start_mark.line + 1, item.start_mark.column + 1))
        return lst
    # Scalars: keep dates and odd tags as text (CloudFormation treats "2012-10-17" as a string).
    tag = node.tag or ""
    if tag.startswith("!") or tag.endswith(":timestamp") or tag.endswith(":binary"):
        return node.value
    try:
        return loader.construct_object(node, deep=True)
    except Exception:  # noqa: BLE001 - malformed scalar: keep its text
        return node.value


# --- JSON with positions -------------------------------------------------------------------------

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_WS = re.compile(r"[ \t\n\r]*")


def load_json(text: str) -> Any:
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        raise TemplateParseError(e.lineno, e.msg) from None
    except RecursionError:
        raise TemplateParseError(1, "document nested too deeply") from None
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def where(i: int) -> tuple[int, int]:
        ln = bisect_right(starts, i)
        return ln, i - starts[ln - 1] + 1

    def value(i: int, depth: int) -> tuple[Any, int]:
        if depth > 200:
            raise TemplateParseError(where(i)[0], "document nested too deeply")
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
        c = text[i]
        if c == "{":
            d = LDict()
            d.line, d.col = where(i)
            i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            if text[i] == "}":
                return d, i + 1
            while True:
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                kpos = where(i)
                key, i = json.decoder.scanstring(text, i + 1)
                i = _WS.match(text, i).end() + 1  # type: ignore[union-attr]  # the colon
                v, i = value(i, depth + 1)
                d[key] = v
                d.key_pos[key] = kpos
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text[i] == "}":
                    return d, i + 1
                i += 1  # comma
        if c == "[":
            lst = LList()
            lst.line, lst.col = where(i)
            i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            if text[i] == "]":
                return lst, i + 1
            while True:
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                p = where(i)
                v, i = value(i, depth + 1)
                lst.append(v)
                lst.pos.append(p)
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text[i] == "]":
                    return lst, i + 1
                i += 1
        if c == '"':
            return json.decoder.scanstring(text, i + 1)
        for word, val in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, i):
                return val, i + len(word)
        m = _NUMBER.match(text, i)
        if not m:
            raise TemplateParseError(where(i)[0], "unexpected character")
        s = m.group(0)
        return (float(s) if any(ch in s for ch in ".eE") else int(s)), m.end()

    return value(0, 0)[0]
