"""Terraform modules (`.tf`, HCL) -> ``DurableFn`` records (tree-sitter-hcl, imported lazily).

A Terraform module is a folder: the `.tf` files beside the checked one are read with it (variables,
locals, roles, aliases and archives often live in other files), and a finding is reported in the
file that holds its line. Read: `resource "aws_lambda_function"` with its `durable_config` block,
literals, `var.x` through a `variable` default (unless an auto-loaded `.tfvars` file sets it, or a
`module` block of the repository passes it: then the callers' value),
`local.x` and arithmetic over those; roles, policies and aliases of the same module; code through
`data "archive_file"`. Anything else (module outputs, conditionals, functions) is unknown and not
judged. DUR053 does not apply: `function_name` is required in Terraform.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from lambda_durable_mcp.analyzer.frontend import EnvTarget
from lambda_durable_mcp.analyzer.templates.loader import TemplateParseError
from lambda_durable_mcp.analyzer.templates.rules import (
    DURABLE_ACTIONS,
    DURABLE_POLICY,
    UNKNOWN,
    DurableFn,
    Pos,
    RoleCheck,
    allows_actions,
    denies_actions,
    function_id_state,
    handler_files,
    in_runtime_language,
    qualifier_state,
)

_MAX_DEPTH = 80            # expression nesting read; deeper is UNKNOWN
_MAX_SIBLINGS = 200        # .tf files of one module read beside the checked one
_MAX_MODULE_BYTES = 20_000_000
_MAX_FILE_BYTES = 5_000_000
_DURABLE_ARN_TAIL = ":policy/service-role/" + DURABLE_POLICY
# AWS managed policies that grant every Lambda action (the durable ones included).
_GRANTING_MANAGED = ("AdministratorAccess", "PowerUserAccess", "AWSLambda_FullAccess")
_HOLE = "\x00"  # an interpolation whose value is unknown, inside a string
_JSON_HOLE = "\ue000"  # the same inside JSON text (JSON strings cannot hold NUL)


# --- values ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ref:
    """A reference such as ``aws_iam_role.x.arn`` (indexes and splats left out)."""

    parts: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.parts)


@dataclass
class Tmpl:
    """A string with ``${...}`` interpolations: literal pieces and the interpolated values."""

    parts: list[Any]


@dataclass
class Call:
    name: str
    args: list[Any]


@dataclass
class Op:
    op: str
    args: list[Any]


class Obj(dict[str, Any]):
    """An object value that remembers the line of each key (environment variables, for DUR032)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, int] = {}


@dataclass
class Attr:
    name: str
    value: Any
    pos: Pos


@dataclass
class Block:
    type: str
    labels: list[str]
    pos: Pos                                  # the last label (a resource's name), else the type
    file: str                                 # the file's name (a module is one folder)
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    dynamic: list[str] = field(default_factory=list)   # labels of `dynamic "x"` blocks

    def attr(self, name: str) -> Any:
        a = self.attrs.get(name)
        return a.value if a is not None else None


def _parser() -> Any:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


class _Reader:
    """Turns one parsed file into blocks and values."""

    def __init__(self, data: bytes, file: str) -> None:
        self.data = data
        self.file = file

    def text(self, n: Any) -> str:
        return self.data[n.start_byte:n.end_byte].decode("utf-8", "replace")

    def pos(self, n: Any) -> Pos:
        row, col = n.start_point
        erow, ecol = n.end_point
        return Pos(row + 1, col + 1, (ecol + 1) if erow == row else col + 2, self.file)

    def body(self, n: Any, depth: int = 0) -> tuple[dict[str, Attr], list[Block], list[str]]:
        attrs: dict[str, Attr] = {}
        blocks: list[Block] = []
        dynamic: list[str] = []
        if n is None or depth > _MAX_DEPTH:
            return attrs, blocks, dynamic
        for c in n.named_children:
            if c.type == "attribute":
                name_node = c.named_children[0] if c.named_children else None
                if name_node is None or name_node.type != "identifier":
                    continue
                value_node = next((x for x in c.named_children[1:] if x.type == "expression"), None)
                value = self.value(value_node, 0) if value_node is not None else UNKNOWN
                attrs[self.text(name_node)] = Attr(self.text(name_node), value, self.pos(name_node))
            elif c.type == "block":
                b = self.block(c, depth + 1)
                if b is None:
                    continue
                if b.type == "dynamic" and b.labels:
                    dynamic.append(b.labels[0])
                blocks.append(b)
        return attrs, blocks, dynamic

    def block(self, n: Any, depth: int) -> Block | None:
        kids = n.named_children
        if not kids or kids[0].type != "identifier":
            return None
        labels: list[str] = []
        label_pos = self.pos(kids[0])
        inner = None
        for c in kids[1:]:
            if c.type == "string_lit":
                labels.append("".join(self.text(x) for x in c.named_children if x.type == "template_literal"))
                label_pos = self.pos(c)
            elif c.type == "identifier":
                labels.append(self.text(c))
                label_pos = self.pos(c)
            elif c.type == "body":
                inner = c
        attrs, blocks, dynamic = self.body(inner, depth)
        return Block(self.text(kids[0]), labels, label_pos, self.file, attrs, blocks, dynamic)

    # -- expressions --
    def value(self, n: Any, depth: int) -> Any:
        if n is None or depth > _MAX_DEPTH:
            return UNKNOWN
        t = n.type
        if t == "expression":
            kids = n.named_children
            if not kids:
                return UNKNOWN
            if kids[0].type == "expression" and len(kids) == 1:  # (expr)
                return self.value(kids[0], depth + 1)
            return self.sequence(kids, depth + 1)
        if t == "literal_value":
            return self.literal(n)
        if t == "template_expr":
            kids = n.named_children
            return self.template(kids[0], depth + 1) if kids else UNKNOWN
        if t == "collection_value":
            kids = n.named_children
            return self.value(kids[0], depth + 1) if kids else UNKNOWN
        if t == "tuple":
            return [self.value(x, depth + 1) for x in n.named_children if x.type == "expression"]
        if t == "object":
            out = Obj()
            for elem in n.named_children:
                if elem.type != "object_elem":
                    continue
                parts = [x for x in elem.named_children if x.type == "expression"]
                if len(parts) != 2:
                    continue
                key = self.key(parts[0])
                if key is None:
                    return UNKNOWN  # a computed key: the object's shape is unknown
                out[key] = self.value(parts[1], depth + 1)
                out.lines[key] = parts[0].start_point[0] + 1
            return out
        if t == "function_call":
            kids = n.named_children
            name = self.text(kids[0]) if kids and kids[0].type == "identifier" else ""
            args_node = next((x for x in kids if x.type == "function_arguments"), None)
            args = [self.value(x, depth + 1) for x in args_node.named_children if x.type == "expression"] \
                if args_node is not None else []
            return Call(name, args)
        if t == "operation":
            kids = n.named_children
            return self.value(kids[0], depth + 1) if kids else UNKNOWN
        if t == "unary_operation":
            op = next((self.text(c) for c in n.children if not c.is_named), "")
            return Op("neg" if op == "-" else "not" if op == "!" else op,
                      [self.sequence(n.named_children, depth + 1)])
        if t == "binary_operation":
            ops = [i for i, c in enumerate(n.children) if not c.is_named]
            if len(ops) != 1:
                return UNKNOWN
            left = [c for c in n.children[:ops[0]] if c.is_named]
            right = [c for c in n.children[ops[0] + 1:] if c.is_named]
            return Op(self.text(n.children[ops[0]]), [self.sequence(left, depth + 1),
                                                      self.sequence(right, depth + 1)])
        return UNKNOWN  # conditionals, for expressions, splats of calls...

    def sequence(self, kids: list[Any], depth: int) -> Any:
        """An operand written as several nodes: ``var.x`` is variable_expr + get_attr."""
        if not kids:
            return UNKNOWN
        if kids[0].type == "variable_expr":
            parts = [self.text(kids[0])]
            for k in kids[1:]:
                if k.type == "get_attr":
                    ident = next((x for x in k.named_children if x.type == "identifier"), None)
                    if ident is None:
                        return UNKNOWN
                    parts.append(self.text(ident))
                elif k.type in ("index", "splat"):
                    continue  # aws_iam_role.x[0].arn is still role x
                else:
                    return UNKNOWN
            return Ref(tuple(parts))
        if len(kids) == 1:
            return self.value(kids[0], depth)
        return UNKNOWN  # an attribute of a call or a literal

    def key(self, n: Any) -> str | None:
        kids = n.named_children
        if len(kids) == 1 and kids[0].type == "variable_expr":
            return self.text(kids[0])
        v = self.value(n, 0)
        return v if isinstance(v, str) else None

    def literal(self, n: Any) -> Any:
        kids = n.named_children
        if not kids:
            return UNKNOWN
        k = kids[0]
        if k.type == "numeric_lit":
            s = self.text(k)
            try:
                return int(s)
            except ValueError:
                try:
                    return float(s)
                except ValueError:
                    return UNKNOWN
        if k.type == "bool_lit":
            return self.text(k).strip() == "true"
        if k.type == "null_lit":
            return None
        if k.type == "string_lit":
            return "".join(_unescape(self.text(x)) for x in k.named_children if x.type == "template_literal")
        return UNKNOWN

    def template(self, n: Any, depth: int) -> Any:
        """A quoted or heredoc template: the text between its delimiters, interpolations as values."""
        heredoc = n.type == "heredoc_template"
        content = [c for c in n.named_children if c.type in ("template_literal", "template_interpolation",
                                                             "template_directive")]
        if any(c.type == "template_directive" for c in content):
            return UNKNOWN  # %{ if } / %{ for }
        parts: list[Any] = []
        prev = None
        for c in content:
            if prev is not None and c.start_byte > prev:
                parts.append(self.data[prev:c.start_byte].decode("utf-8", "replace"))  # newlines, indentation
            if c.type == "template_literal":
                raw = self.text(c)
                parts.append(raw.replace("$${", "${").replace("%%{", "%{") if heredoc else _unescape(raw))
            else:
                inner = next((x for x in c.named_children if x.type == "expression"), None)
                parts.append(self.value(inner, depth + 1))
            prev = c.end_byte
        if all(isinstance(p, str) for p in parts):
            return "".join(parts)
        return Tmpl(parts)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(s: str) -> str:
    if "\\" not in s and "$${" not in s and "%%{" not in s:
        return s
    s = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), s)
    return s.replace("$${", "${").replace("%%{", "%{")


def _first_error(root: Any) -> Any:
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return _culprit(n)
        if n.has_error:
            stack.extend(reversed(n.children))
    return None


def _culprit(error: Any) -> Any:
    """The node to blame inside an ERROR span: the parser's recovery often wraps a whole block, while the
    problem is the first token that continues a line an attribute already completed (`x = 1e9` is read as
    `x = 1` then `e9`)."""
    if error.type != "ERROR":
        return error
    kids = error.children
    for prev, cur in zip(kids, kids[1:], strict=False):
        if cur.type == "ERROR" or cur.is_missing:
            return _culprit(cur)
        if prev.type == "attribute" and cur.start_point[0] == prev.end_point[0]:
            return cur
    return error


def _strip_bom(source: bytes) -> bytes:
    """Terraform accepts a UTF-8 byte order mark: read the text after it (columns on line 1 then count
    from the first character, as an editor shows them)."""
    return source[3:] if source.startswith(b"\xef\xbb\xbf") else source


def parse(source: bytes, file: str) -> list[Block]:
    """The top-level blocks of one `.tf` file; TemplateParseError when it is not valid HCL."""
    source = _strip_bom(source)
    tree = _parser().parse(source)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        line = bad.start_point[0] + 1 if bad is not None else 1
        if bad is not None and bad.is_missing:
            # the parser's recovery inserts a node: name it only when it is a closing token a person writes
            token = {"quoted_template_end": '"', "block_end": "}", "object_end": "}", "tuple_end": "]"}.get(
                bad.type, bad.type)
            raise TemplateParseError(line, f"invalid HCL: missing {token}" if token in ("}", "]", ")", '"')
                                     else "invalid HCL")
        near = source[bad.start_byte:bad.end_byte].decode("utf-8", "replace").split("\n")[0][:30] \
            if bad is not None else ""
        # valid HCL that the grammar misreads: an exponent without a fraction
        hint = " (this reader needs a fraction before an exponent: 1.0e9, not 1e9)" \
            if re.fullmatch(r"[eE][-+]?\d*", near) else ""
        raise TemplateParseError(line, f"invalid HCL near {near!r}{hint}" if near.strip() else "invalid HCL")
    reader = _Reader(source, file)
    body = next((c for c in root.named_children if c.type == "body"), None)
    return reader.body(body)[1]


# --- one module (folder) --------------------------------------------------------------------------

# Parsed siblings by (path, size, mtime): a folder of N function files reads each sibling once.
_FILE_CACHE: OrderedDict[str, tuple[int, int, list[Block] | None]] = OrderedDict()
_CACHE_LOCK = threading.Lock()  # the server analyzes in worker threads


def _sibling(path: Path) -> list[Block] | None:
    """The blocks of a sibling `.tf` file; None when it cannot be read or parsed."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = str(path)
    with _CACHE_LOCK:
        hit = _FILE_CACHE.get(key)
        if hit is not None and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            _FILE_CACHE.move_to_end(key)
            return hit[2]
    blocks: list[Block] | None = None
    if st.st_size <= _MAX_FILE_BYTES:
        try:
            data = path.read_bytes()
            if b"\x00" not in data[:8192]:
                blocks = parse(data, path.name)
        except (OSError, TemplateParseError, RecursionError):
            blocks = None
    with _CACHE_LOCK:
        _FILE_CACHE[key] = (st.st_size, st.st_mtime_ns, blocks)
        while len(_FILE_CACHE) > 256:
            _FILE_CACHE.popitem(last=False)
    return blocks


def _is_override(name: str) -> bool:
    return name in ("override.tf", "override.tf.json") or name.endswith(("_override.tf", "_override.tf.json"))


_SKIP_DIRS = {"node_modules", "cdk.out", "__pycache__", "venv", "dist", "build"}
_MAX_TREE_DIRS = 3000       # folders walked to find the module blocks that call a module folder
_MAX_UP = 12                # parents looked at for the repository top (the folder holding .git)
_CALLS_CACHE: dict[tuple[str, int, int], bool] = {}  # whether a .tf file holds a module block
_MODULE_CALLS = re.compile(rb'^[ \t]*module[ \t]+"', re.M)


def _repository_top(folder: Path) -> Path | None:
    """The folder holding .git above ``folder`` (bounded); None when there is none."""
    cur = Path(os.path.abspath(folder))
    for _ in range(_MAX_UP):
        if (cur / ".git").exists():
            return cur
        if cur.parent == cur:
            return None
        cur = cur.parent
    return None


def _tree_tf_files(top: Path) -> list[Path]:
    """The .tf files under ``top`` that call a module (bounded; hidden and build folders skipped)."""
    out: list[Path] = []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(top):
        seen += 1
        if seen > _MAX_TREE_DIRS:
            break
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in sorted(filenames):
            if not name.endswith(".tf") or _is_override(name):
                continue
            path = Path(dirpath) / name
            try:
                st = path.stat()
                key = (str(path), st.st_size, st.st_mtime_ns)
                calls = _CALLS_CACHE.get(key)
                if calls is None:
                    with open(path, "rb") as f:
                        calls = st.st_size <= _MAX_FILE_BYTES and bool(_MODULE_CALLS.search(f.read()))
                    with _CACHE_LOCK:
                        _CALLS_CACHE[key] = calls
                        while len(_CALLS_CACHE) > 4096:
                            _CALLS_CACHE.pop(next(iter(_CALLS_CACHE)))
            except OSError:
                continue
            if calls:
                out.append(path)
    return out


class Module:
    def __init__(self, blocks: list[Block], folder: Path | None, own: str = "", depth: int = 0) -> None:
        self.folder = folder
        self.depth = depth          # how many callers up this module was read (module calls are followed)
        self._callers: list[tuple[Module, Block, str]] | None = None   # found on first use
        self.complete = True        # every file of the folder was read (DUR051/DUR052 need all of them)
        self.tfvars: set[str] | None = set()   # variables an auto-loaded .tfvars sets; None: unknown which
        self.overridden: set[tuple[str, str]] = set()  # resources an override file changes
        self.json_override = False  # an override file in JSON syntax: which resources it changes is unknown
        every = list(blocks)
        if folder is not None:
            every += self._siblings(own)
        self.resources: dict[tuple[str, str], Block] = {}
        self.data: dict[tuple[str, str], Block] = {}
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, Attr] = {}
        self.modules: list[Block] = []
        for b in every:
            if b.type == "resource" and len(b.labels) == 2:
                self.resources.setdefault((b.labels[0], b.labels[1]), b)
            elif b.type == "data" and len(b.labels) == 2:
                self.data.setdefault((b.labels[0], b.labels[1]), b)
            elif b.type == "variable" and len(b.labels) == 1:
                self.variables.setdefault(b.labels[0], b)
            elif b.type == "locals":
                for name, a in b.attrs.items():
                    self.locals.setdefault(name, a)
            elif b.type == "module":
                self.modules.append(b)

    def _siblings(self, own: str) -> list[Block]:
        assert self.folder is not None
        out: list[Block] = []
        try:
            names = sorted(os.listdir(self.folder))
        except OSError:
            self.complete = False
            return out
        read = total = 0
        real_folder = os.path.realpath(self.folder)
        for name in names:
            if name == own:
                continue
            path = self.folder / name
            if not name.endswith((".tf", ".tf.json", ".tfvars", ".tfvars.json")):
                continue
            if os.path.islink(path) and os.path.dirname(os.path.realpath(path)) != real_folder:
                self.complete = False  # a link out of the folder is not followed (it may leave the workspace)
                self.tfvars = None
                continue
            if name.endswith(".tf.json"):
                self.complete = False  # JSON syntax is not read
                self.json_override |= _is_override(name)
                continue
            if name.endswith((".auto.tfvars", ".auto.tfvars.json")) or name in ("terraform.tfvars",
                                                                                  "terraform.tfvars.json"):
                self._read_tfvars(path)
                continue
            if not name.endswith(".tf") or not path.is_file():
                continue
            read += 1
            try:
                total += path.stat().st_size
            except OSError:
                pass
            if read > _MAX_SIBLINGS or total > _MAX_MODULE_BYTES:
                self.complete = False
                break
            blocks = _sibling(path)
            if blocks is None:
                self.complete = False  # its own check reports the parse error
                continue
            if _is_override(name):
                self.overridden |= {(b.labels[0], b.labels[1]) for b in blocks
                                    if b.type == "resource" and len(b.labels) == 2}
                self.complete = False
                continue
            out += blocks
        return out

    def _read_tfvars(self, path: Path) -> None:
        """Note the variables an auto-loaded .tfvars sets: their defaults are not what Terraform uses."""
        if self.tfvars is None:
            return
        try:
            data = path.read_bytes() if path.stat().st_size <= _MAX_FILE_BYTES else None
            if data is None:
                self.tfvars = None
            elif path.name.endswith(".json"):
                doc = json.loads(data)
                if isinstance(doc, dict):
                    self.tfvars |= set(doc)
                else:
                    self.tfvars = None
            else:
                data = _strip_bom(data)
                reader = _Reader(data, path.name)
                tree = _parser().parse(data)
                if tree.root_node.has_error:
                    self.tfvars = None
                    return
                body = next((c for c in tree.root_node.named_children if c.type == "body"), None)
                self.tfvars |= set(reader.body(body)[0])
        except (OSError, ValueError, RecursionError):
            self.tfvars = None

    def callers(self) -> list[tuple[Module, Block, str]]:
        """The `module` blocks in the repository (the tree under the folder holding .git) whose local
        source is this folder, with the caller's module and the file's path from this folder: a value
        they pass for a variable is what Terraform uses, not its default."""
        if self._callers is not None:
            return self._callers
        self._callers = []
        if self.folder is None:
            return self._callers
        top = _repository_top(self.folder)
        if top is None:
            return self._callers
        here = os.path.abspath(self.folder)
        for path in _tree_tf_files(top):
            blocks = _sibling(path)
            for b in blocks or []:
                if b.type != "module":
                    continue
                source = b.attr("source")
                if not isinstance(source, str) or not source.startswith(("./", "../")):
                    continue
                if os.path.normpath(os.path.join(path.parent.absolute(), source)) != here:
                    continue
                caller = Module([], path.parent, depth=self.depth + 1) if self.depth < 3 else None
                if caller is not None and path.parent.absolute() == Path(here):
                    caller = None  # a module that calls itself
                self._callers.append((caller, b, os.path.relpath(path, here)))  # type: ignore[arg-type]
        return self._callers

    def _passed(self, name: str, depth: int) -> tuple[bool, Any, tuple[str, int, str] | None]:
        """(whether a caller passes variable ``name``, the value all callers give or UNKNOWN, its origin)."""
        values: list[tuple[Any, tuple[str, int, str] | None]] = []
        for caller, b, rel in self.callers():
            if name not in b.attrs:
                continue
            if caller is None:
                values.append((UNKNOWN, None))
                continue
            a = b.attrs[name]
            value, origin = caller.resolve(a.value, depth + 1)
            if origin is not None and not origin[0].startswith("module."):
                origin = (origin[0], origin[1], os.path.join(os.path.dirname(rel), origin[2]))
            values.append((value, origin or (f"module.{b.labels[0] if b.labels else ''} argument {name}",
                                             a.pos.line, rel)))
        if not values:
            return False, UNKNOWN, None
        first = values[0][0]
        if first is UNKNOWN or any(v is UNKNOWN or v != first or type(v) is not type(first) for v, _ in values):
            return True, UNKNOWN, None
        return True, first, values[0][1] if len(values) == 1 else None

    # -- values --
    def resolve(self, v: Any, depth: int = 0) -> tuple[Any, tuple[str, int, str] | None]:
        """(a literal, or UNKNOWN; where a variable default or local it came from is written)."""
        if depth > 20:
            return UNKNOWN, None
        if isinstance(v, Ref):
            p = v.parts
            if len(p) == 2 and p[0] == "var":
                passed, value, origin = self._passed(p[1], depth)
                if passed:
                    return value, origin
                var = self.variables.get(p[1])
                if var is None or "default" not in var.attrs or self.tfvars is None or p[1] in self.tfvars:
                    return UNKNOWN, None
                value, origin = self.resolve(var.attrs["default"].value, depth + 1)
                if value is None or value is UNKNOWN:
                    return UNKNOWN, None
                return value, origin or (f"var.{p[1]}", var.attrs["default"].pos.line, var.file)
            if len(p) == 2 and p[0] == "local" and p[1] in self.locals:
                a = self.locals[p[1]]
                value, origin = self.resolve(a.value, depth + 1)
                if value is UNKNOWN:
                    return UNKNOWN, None
                return value, origin or (f"local.{p[1]}", a.pos.line, a.pos.file)
            return UNKNOWN, None
        if isinstance(v, Op):
            # computed: no single default or local to name as the setting to change
            return _operate(v.op, [self.resolve(a, depth + 1)[0] for a in v.args]), None
        if isinstance(v, Tmpl):
            pieces = []
            origin = None
            for part in v.parts:
                if isinstance(part, str):
                    pieces.append(part)
                    continue
                value, o = self.resolve(part, depth + 1)
                if isinstance(value, bool):
                    value = "true" if value else "false"
                if not isinstance(value, str | int | float):
                    return UNKNOWN, None
                pieces.append(value if isinstance(value, str) else _number_text(value))
                origin = origin or o
            return "".join(pieces), origin
        if isinstance(v, Call) or v is UNKNOWN:
            return UNKNOWN, None
        if isinstance(v, list | dict):
            return UNKNOWN, None  # not a scalar setting
        return v, None

    def literal(self, v: Any) -> Any:
        return self.resolve(v)[0]

    def text(self, v: Any, depth: int = 0) -> str | None:
        """A string value with unknown interpolations as _HOLE; None when it is not a string at all.
        ``path.module`` (and root, cwd) is ".": relative paths are read from the module's folder."""
        if depth > 20:
            return None
        if isinstance(v, str):
            return v
        if isinstance(v, Ref):
            if v.parts[0] == "path" and len(v.parts) == 2:
                return "."
            if len(v.parts) == 2 and v.parts[0] == "var" and self._passed(v.parts[1], depth)[0]:
                return _HOLE  # a path a caller passes is relative to the caller's folder: not followed
            if len(v.parts) == 2 and v.parts[0] == "local" and v.parts[1] in self.locals:
                inner = self.text(self.locals[v.parts[1]].value, depth + 1)  # "${path.module}/src" in a local
                if inner is not None:
                    return inner
            value = self.literal(v)
            return value if isinstance(value, str) else _HOLE
        if isinstance(v, Tmpl):
            out = []
            for part in v.parts:
                if isinstance(part, str):
                    out.append(part)
                elif isinstance(part, int | float) and not isinstance(part, bool):
                    out.append(_number_text(part))
                else:
                    inner = self.text(part, depth + 1)
                    out.append(inner if inner is not None else _HOLE)
            return "".join(out)
        return None

    def target(self, v: Any, rtype: str) -> str | None:
        """The name of the resource of ``rtype`` that a reference points at (``aws_iam_role.x.arn`` -> x)."""
        if isinstance(v, Ref) and len(v.parts) >= 2 and v.parts[0] == rtype:
            return v.parts[1]
        if isinstance(v, Ref) and len(v.parts) == 2 and v.parts[0] == "local" and v.parts[1] in self.locals:
            inner = self.locals[v.parts[1]].value
            return self.target(inner, rtype) if isinstance(inner, Ref) and inner.parts[0] != "local" else None
        return None


def _number_text(n: int | float) -> str:
    return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)


def _operate(op: str, args: list[Any]) -> Any:
    if any(a is UNKNOWN for a in args):
        return UNKNOWN
    if op == "not" and len(args) == 1 and isinstance(args[0], bool):
        return not args[0]
    nums = [_as_num(a) for a in args]
    if any(n is None for n in nums):
        return UNKNOWN
    if op == "neg" and len(nums) == 1:
        return -nums[0]  # type: ignore[operator]
    if len(nums) != 2:
        return UNKNOWN
    a, b = nums
    assert a is not None and b is not None
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            q = a / b
            return int(q) if q == int(q) else q
        if op == "%":
            return a % b
    except (ZeroDivisionError, OverflowError, ValueError):  # x / 0, a quotient too large for a float
        return UNKNOWN
    return UNKNOWN


def _as_num(v: Any) -> int | float | None:
    """A number an operator can use (HCL converts "60" to 60); None for anything else, infinity included."""
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        try:
            v = int(v)
        except ValueError:
            try:
                v = float(v)
            except ValueError:
                return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    return None


def _refs(v: Any, depth: int = 0) -> list[Ref]:
    """Every reference inside a value."""
    if depth > _MAX_DEPTH:
        return []
    if isinstance(v, Ref):
        return [v]
    if isinstance(v, Tmpl | Call | Op):
        items = v.parts if isinstance(v, Tmpl) else v.args
        return [r for x in items for r in _refs(x, depth + 1)]
    if isinstance(v, list):
        return [r for x in v for r in _refs(x, depth + 1)]
    if isinstance(v, dict):
        return [r for x in v.values() for r in _refs(x, depth + 1)]
    return []


def _block_refs(b: Block, depth: int = 0) -> list[Ref]:
    out = [r for a in b.attrs.values() for r in _refs(a.value)]
    if depth < 10:
        out += [r for inner in b.blocks for r in _block_refs(inner, depth + 1)]
    return out


# --- functions ------------------------------------------------------------------------------------

def functions(blocks: list[Block], full: Path) -> list[DurableFn]:
    """The `aws_lambda_function` resources of one file, judged with the rest of its folder."""
    if _is_override(full.name):
        return []  # it changes resources of other files: judged with them it would be half the picture
    on_disk = full.is_file()  # inline code has no folder to read
    module = Module(blocks, full.parent if on_disk else None, full.name)
    if not on_disk:
        module.complete = False
    out: list[DurableFn] = []
    if module.json_override:
        return out
    for b in blocks:
        if b.type != "resource" or b.labels[:1] != ["aws_lambda_function"] or len(b.labels) != 2:
            continue
        if (b.labels[0], b.labels[1]) in module.overridden:
            continue
        fn = _function(module, b, full.parent)
        if fn is not None:
            out.append(fn)
    return out


def _function(m: Module, b: Block, folder: Path) -> DurableFn | None:
    name = f"aws_lambda_function.{b.labels[1]}"
    configs = [x for x in b.blocks if x.type == "durable_config"]
    dynamic = "durable_config" in b.dynamic
    if not configs and not dynamic:
        plain = DurableFn(name=name, pos=b.pos, durable_pos=b.pos, durable=False, syntax="terraform",
                          durable_text="durable_config")
        _code_location(m, b, plain, folder)
        handler = m.literal(b.attr("handler"))
        plain.handler = handler if isinstance(handler, str) else ""
        runtime = m.literal(b.attr("runtime"))
        plain.code_files = in_runtime_language(plain.code_files, runtime)
        return plain if plain.handler and plain.code_files else None

    fn = DurableFn(name=name, pos=b.pos, durable_pos=configs[0].pos if configs else b.pos, syntax="terraform",
                   timeout_text="execution_timeout", retention_text="retention_period",
                   function_name_text="function_name", durable_text="durable_config")
    if configs:
        cfg = configs[0]
        if "execution_timeout" in cfg.attrs:
            a = cfg.attrs["execution_timeout"]
            fn.timeout, origin = m.resolve(a.value)
            fn.timeout_pos = a.pos
            fn.timeout_param = _origin(fn, origin)
        if "retention_period" in cfg.attrs:
            a = cfg.attrs["retention_period"]
            fn.retention, origin = m.resolve(a.value)
            fn.retention_pos = a.pos
            fn.retention_param = _origin(fn, origin)
            if fn.retention is None:
                fn.retention = UNKNOWN
    else:
        fn.timeout = UNKNOWN  # `dynamic "durable_config"`: its content depends on for_each

    if "runtime" in b.attrs:
        a = b.attrs["runtime"]
        fn.runtime, origin = m.resolve(a.value)
        fn.runtime_pos = a.pos
        fn.runtime_param = _origin(fn, origin)
    # function_name is required in Terraform: no DUR053
    if "role" in b.attrs:
        fn.role = _role_check(m, b.attrs["role"].value)
    _versions(m, b, fn)
    _code_location(m, b, fn, folder)
    handler = m.literal(b.attr("handler"))
    fn.handler = handler if isinstance(handler, str) else ""
    fn.env_targets = _env_targets(m, b, fn)
    return fn


# --- DUR032: environment variables that name a function --------------------------------------------

def _env_targets(m: Module, b: Block, fn: DurableFn) -> list[EnvTarget]:
    env = next((x for x in b.blocks if x.type == "environment"), None)
    variables = env.attr("variables") if env is not None else None
    if not isinstance(variables, Obj):
        return []
    code_dir = os.path.normpath(str(fn.code_dir.absolute())) if fn.code_dir is not None else None
    out: list[EnvTarget] = []
    for var, value in variables.items():
        state, shown, target, fix = _env_value(m, var, value)
        if state == "unknown":
            continue
        out.append(EnvTarget(var=var, state=state, value=shown, line=variables.lines.get(var, 1), fix=fix,
                             code_dir=code_dir, durable=_durable_state(m, target) if target else "unknown"))
    return out


def _durable_state(m: Module, name: str) -> str:
    b = m.resources.get(("aws_lambda_function", name))
    if b is None:
        return "unknown"
    if any(x.type == "durable_config" for x in b.blocks):
        return "yes"
    return "maybe" if "durable_config" in b.dynamic or not m.complete else "no"


def _env_value(m: Module, var: str, v: Any) -> tuple[str, str, str, str]:
    """(state, the value as written, the function it names or "", the fix) of one variable."""
    if isinstance(v, Ref) and len(v.parts) == 3 and v.parts[0] == "aws_lambda_alias" and v.parts[2] == "arn":
        return "qualified", str(v), "", ""
    if isinstance(v, Ref) and len(v.parts) == 3 and v.parts[0] == "aws_lambda_function":
        name, attr = v.parts[1], v.parts[2]
        if attr in ("arn", "function_name", "id"):
            return "unqualified", str(v), name, _qualify_fix(m, var, name)
        if attr == "qualified_arn":
            target = m.resources.get(("aws_lambda_function", name))
            publish = m.literal(target.attr("publish")) if target is not None and "publish" in target.attrs \
                else False if target is not None else UNKNOWN
            if publish is False and m.complete:
                return "latest", str(v), name, (f"set publish = true on aws_lambda_function.{name} (its "
                                                f"qualified_arn is then a version), or use an alias's arn")
            return ("qualified" if publish is True else "unknown"), str(v), name, ""
        return "unknown", "", "", ""
    if isinstance(v, Tmpl) and len(v.parts) == 2 and isinstance(v.parts[1], str) and v.parts[1].startswith(":"):
        ref = v.parts[0]
        if isinstance(ref, Ref) and ref.parts[:1] == ("aws_lambda_function",) and len(ref.parts) == 3 \
                and ref.parts[2] in ("arn", "function_name"):
            qualifier = v.parts[1][1:]
            state = qualifier_state(qualifier)
            return state, f'"${{{ref}}}{v.parts[1]}"', ref.parts[1], \
                f"use a version or an alias instead of $LATEST: {_qualify_fix(m, var, ref.parts[1])}"
        return "unknown", "", "", ""
    literal, origin = m.resolve(v)
    if isinstance(literal, str):
        state = function_id_state(literal)
        where = f" (from {_origin_text(origin)})" if origin else ""
        setting = _origin_text(origin).split(",")[0] if origin else var
        return state, repr(literal) + where, "", f"append an alias or version to {setting}, e.g. '{literal}:live'"
    return "unknown", "", "", ""


def _qualify_fix(m: Module, var: str, name: str) -> str:
    for (rtype, alias), other in m.resources.items():
        if rtype == "aws_lambda_alias" and m.target(other.attr("function_name"), "aws_lambda_function") == name:
            return f"set {var} to aws_lambda_alias.{alias}.arn (the alias of aws_lambda_function.{name})"
    return (f"set publish = true on aws_lambda_function.{name}, add an aws_lambda_alias for it and set {var} to "
            "the alias's arn")


def _origin_text(origin: tuple[str, int, str]) -> str:
    label, line, file = origin
    what = f"the default of variable {label[4:]}" if label.startswith("var.") else label
    return f"{what}, {file + ' ' if file else ''}line {line}"


def _origin(fn: DurableFn, origin: tuple[str, int, str] | None) -> tuple[str, int] | None:
    if origin is None:
        return None
    label, line, file = origin
    fn.param_files[label] = file
    return label, line


# --- DUR052 ---------------------------------------------------------------------------------------

def _versions(m: Module, b: Block, fn: DurableFn) -> None:
    rname = b.labels[1]
    publish_attr = b.attrs.get("publish")
    publish, where = m.resolve(publish_attr.value) if publish_attr is not None else (False, None)
    # where a false publish comes from, for the fix
    origin = f" (publish comes from {_origin_text(where)})" if where is not None else ""
    if isinstance(publish, str):
        publish = {"true": True, "false": False}.get(publish.lower(), UNKNOWN)
    ref, each = _instance(b, fn.name)
    fn.version_hint = (f"Set publish = true on {fn.name}{origin} and add an aws_lambda_alias with {each}name = "
                       f'"live", function_name = {ref}.function_name and function_version = {ref}.version; '
                       "invoke the alias ARN.")
    if publish is True or publish is UNKNOWN or not m.complete:
        fn.has_version = True
        return
    # publish is false or absent: an alias still gives a qualified ARN, on $LATEST unless a version is named
    fixed_name = m.literal(b.attr("function_name"))
    for (rtype, aname), other in m.resources.items():
        if rtype != "aws_lambda_alias":
            continue
        target = other.attr("function_name")
        named = m.target(target, "aws_lambda_function")
        mine = named == rname
        if named is None:
            literal = m.literal(target)
            if literal is UNKNOWN:
                fn.has_version = True  # an alias of an unknown function may be this one's
                return
            mine = isinstance(fixed_name, str) and literal == fixed_name
        if not mine:
            continue
        version = other.attr("function_version")
        if isinstance(version, Ref) and version.parts[:2] == ("aws_lambda_function", rname):
            fn.version_note = (f"has an alias (aws_lambda_alias.{aname}), but without publish = true its "
                               f"function_version {fn.name}.version is $LATEST")
            fn.version_hint = (f"Set publish = true on {fn.name}{origin}: each apply then publishes a version and "
                               f"aws_lambda_alias.{aname} points at it.")
            continue
        literal = m.literal(version)
        if literal == "$LATEST":
            fn.version_note = f"has an alias (aws_lambda_alias.{aname}) on $LATEST"
            fn.version_hint = (f"Set publish = true on {fn.name}{origin} and, on the existing aws_lambda_alias.{aname}, "
                               f"function_version = {_alias_ref(b, other, fn.name)}.version (not $LATEST); invoke "
                               "the alias ARN.")
            continue
        fn.has_version = True  # a version number, or one the file cannot settle
        return
    for mod in m.modules:  # a module given this function may publish and alias it
        if any(r.parts[:2] == ("aws_lambda_function", rname) for r in _block_refs(mod)):
            fn.has_version = True
            return
    fn.has_version = False


def _allows(actions: list[str], need: str) -> bool:
    return any(isinstance(a, str) and fnmatchcase(need.lower(), a.lower()) for a in actions)


def _instance(b: Block, name: str) -> tuple[str, str]:
    """(how a new resource refers to ``b``, the for_each it then needs): a resource with count is an
    indexed list, one with for_each a map the new resource iterates over."""
    if "for_each" in b.attrs:
        return "each.value", f"for_each = {name}, "
    if "count" in b.attrs:
        return f"{name}[0]", ""
    return name, ""


def _alias_ref(b: Block, alias: Block, name: str) -> str:
    """How an existing alias refers to function ``b``, given the alias's own count or for_each."""
    if "for_each" in b.attrs:
        return f"{name}[each.key]"
    if "count" in b.attrs:
        return f"{name}[count.index]" if "count" in alias.attrs else f"{name}[0]"
    return name


# --- DUR051 ---------------------------------------------------------------------------------------

def _role_check(m: Module, role: Any) -> RoleCheck | None:
    """The durable permissions of a role defined in this module; None when the role comes from elsewhere."""
    rname = m.target(role, "aws_iam_role")
    rb = m.resources.get(("aws_iam_role", rname)) if rname is not None else None
    if rb is None or rname is None:
        return None  # var.role_arn, module.x.role_arn, data.aws_iam_role..., a literal ARN
    shown = f"aws_iam_role.{rname}"
    pos = rb.pos
    if not m.complete:
        return RoleCheck("unknown", pos, shown)
    g = _Grants(m)
    role_name = m.literal(rb.attr("name"))

    def is_mine(v: Any) -> bool | None:
        """Whether a role argument names this role: True, False, or None (cannot tell)."""
        target = m.target(v, "aws_iam_role")
        if target is not None:
            return target == rname
        literal = m.literal(v)
        if not isinstance(literal, str):
            return None  # data.aws_iam_role.x.name, var.role_name, module.x.role
        if "name" not in rb.attrs:
            return False  # a generated name (or name_prefix) no literal can know
        if isinstance(role_name, str):
            return literal == role_name or literal.endswith(":role/" + role_name)
        return None

    arns = rb.attr("managed_policy_arns")
    if arns is not None:
        if isinstance(arns, list):
            for arn in arns:
                g.policy_arn(arn)
        else:
            g.unknown = True
    for inline in rb.blocks:
        if inline.type == "inline_policy":
            g.where = f"an inline_policy of {shown}"
            g.document(inline.attr("policy"))
    if "inline_policy" in rb.dynamic:
        g.unknown = True
    for (rtype, oname), other in m.resources.items():
        g.where = f"{rtype}.{oname}"
        if rtype == "aws_iam_role_policy_attachment":
            mine = is_mine(other.attr("role"))
            if mine:
                g.policy_arn(other.attr("policy_arn"))
            elif mine is None:
                g.unknown = True
        elif rtype == "aws_iam_role_policy":
            mine = is_mine(other.attr("role"))
            if mine:
                g.document(other.attr("policy"))
            elif mine is None:
                g.unknown = True
        elif rtype == "aws_iam_policy_attachment":
            roles = other.attr("roles")
            states = [is_mine(r) for r in roles] if isinstance(roles, list) else [None]
            if True in states:
                g.policy_arn(other.attr("policy_arn"))
            elif None in states:
                g.unknown = True
        elif rtype == "aws_iam_role_policy_attachments_exclusive":
            mine = is_mine(other.attr("role_name"))
            arns = other.attr("policy_arns")
            if mine and isinstance(arns, list):
                for arn in arns:
                    g.policy_arn(arn)
            elif mine is not False:
                g.unknown = True
    for mod in m.modules:  # a module given the role may attach policies to it
        if any(r.parts[:2] == ("aws_iam_role", rname) for r in _block_refs(mod)):
            g.unknown = True
    blocked = denies_actions(g.denied)
    if blocked:
        holders = sorted({g.deny_where[a] for a in blocked if g.deny_where.get(a)})
        held = f" (in {', '.join(holders)})" if holders else ""
        return RoleCheck("missing", pos, shown, problem="deny", detail=", ".join(blocked) + held)
    if g.managed or allows_actions(g.actions):
        return RoleCheck("ok", pos, shown)
    if g.unknown:
        return RoleCheck("unknown", pos, shown)
    ref, each = _instance(rb, shown)
    # which durable action the policies leave out, when they grant some
    lacking = [a for a in DURABLE_ACTIONS if not _allows(g.actions, a)] if g.actions else []
    return RoleCheck("missing", pos, shown, ref=f"{each}role = {ref}.name" if ref != shown else "",
                     detail=" and ".join(lacking) if len(lacking) == 1 else "")


class _Grants:
    """What a role's policies allow and deny, as far as the module shows them."""

    def __init__(self, m: Module) -> None:
        self.m = m
        self.actions: list[str] = []
        self.denied: list[str] = []
        self.where = ""             # the resource whose policy is being read
        self.deny_where: dict[str, str] = {}   # a denied action -> the resource holding the Deny
        self.managed = False
        self.unknown = False

    def policy_arn(self, v: Any, depth: int = 0) -> None:
        m = self.m
        policy = m.target(v, "aws_iam_policy")
        if policy is not None:
            pb = m.resources.get(("aws_iam_policy", policy))
            if pb is None:
                self.unknown = True
            else:
                self.where = f"aws_iam_policy.{policy}"
                self.document(pb.attr("policy"))
            return
        if isinstance(v, Ref) and v.parts[:2] == ("data", "aws_iam_policy") and len(v.parts) >= 3:
            db = m.data.get(("aws_iam_policy", v.parts[2]))
            name = m.literal(db.attr("name")) if db is not None else UNKNOWN
            if isinstance(name, str) and "arn" not in (db.attrs if db is not None else {}):
                self._aws_managed(name)
            elif db is not None and "arn" in db.attrs and depth < 3:
                self.policy_arn(db.attr("arn"), depth + 1)
            else:
                self.unknown = True
            return
        text = m.text(v)
        if text is None:
            self.unknown = True
            return
        if text.endswith(_DURABLE_ARN_TAIL):
            self.managed = True
            return
        head, sep, name = text.rpartition(":policy/")
        if sep and head.endswith(":iam::aws") and _HOLE not in name:
            self._aws_managed(name.rsplit("/", 1)[-1])
        else:
            self.unknown = True  # a customer managed policy: its content is not in the module

    def _aws_managed(self, name: str) -> None:
        if name == DURABLE_POLICY:
            self.managed = True
        elif name in _GRANTING_MANAGED:
            self.actions.append("lambda:*")

    def document(self, v: Any, depth: int = 0) -> None:
        """A policy document: jsonencode({...}), a policy document data source's .json, or JSON text."""
        m = self.m
        if depth > 5:
            self.unknown = True
            return
        if isinstance(v, Ref) and len(v.parts) == 2 and v.parts[0] == "local" and v.parts[1] in m.locals:
            self.document(m.locals[v.parts[1]].value, depth + 1)
            return
        if isinstance(v, Call) and v.name == "jsonencode" and len(v.args) == 1:
            self.statements(v.args[0])
            return
        if isinstance(v, Ref) and v.parts[:2] == ("data", "aws_iam_policy_document") and len(v.parts) >= 3:
            db = m.data.get(("aws_iam_policy_document", v.parts[2]))
            if db is None:
                self.unknown = True
            else:
                self.where = f"data.aws_iam_policy_document.{v.parts[2]}"
                self.policy_document(db)
            return
        if isinstance(v, Ref) and v.parts[:1] == ("aws_iam_policy",) and len(v.parts) >= 2:
            pb = m.resources.get(("aws_iam_policy", v.parts[1]))
            if pb is None:
                self.unknown = True
            else:
                self.document(pb.attr("policy"), depth + 1)
            return
        text = v if isinstance(v, str) else m.text(v) if isinstance(v, Tmpl) else None
        if text is None:
            self.unknown = True
            return
        try:
            doc = json.loads(text.replace(_HOLE, _JSON_HOLE))
        except ValueError:
            self.unknown = True
            return
        self.statements(doc)

    def statements(self, doc: Any) -> None:
        if not isinstance(doc, dict):
            self.unknown = True
            return
        stmts = doc.get("Statement")
        stmts = [stmts] if isinstance(stmts, dict) else stmts
        if not isinstance(stmts, list):
            self.unknown = True
            return
        for s in stmts:
            if not isinstance(s, dict):
                self.unknown = True
                continue
            effect = self.m.literal(s.get("Effect"))
            self.statement(effect, s.get("Action"), "NotAction" in s, s.get("Resource"),
                           any(k in s for k in ("Condition", "NotResource", "Principal", "NotPrincipal")))

    def policy_document(self, db: Block) -> None:
        """data "aws_iam_policy_document": statement blocks (effect defaults to Allow)."""
        if any(k in db.attrs for k in ("source_policy_documents", "override_policy_documents", "source_json",
                                       "override_json")) or "statement" in db.dynamic:
            self.unknown = True
        for s in db.blocks:
            if s.type != "statement":
                continue
            effect = self.m.literal(s.attr("effect")) if "effect" in s.attrs else "Allow"
            narrowed = any(x.type == "condition" for x in s.blocks) or "condition" in s.dynamic \
                or "not_resources" in s.attrs
            self.statement(effect, s.attr("actions"), "not_actions" in s.attrs, s.attr("resources"), narrowed)

    def statement(self, effect: Any, actions: Any, not_action: bool, resources: Any, narrowed: bool) -> None:
        acts = [actions] if not isinstance(actions, list) else actions
        literal = [self.m.literal(a) for a in acts]
        if effect == "Deny":
            res = [resources] if not isinstance(resources, list) else resources
            if not not_action and not narrowed and "*" in [self.m.literal(r) for r in res]:
                for a in literal:
                    if isinstance(a, str):
                        self.denied.append(a)
                        self.deny_where.setdefault(a, self.where)
            return
        if effect != "Allow":
            self.unknown = True
            return
        if not_action or actions is None or any(not isinstance(a, str) or _JSON_HOLE in a for a in literal):
            self.unknown = True
            return
        self.actions.extend(literal)


# --- where the code is (DUR055, DUR054, DUR050 without durable_config) ---------------------------

def _path(m: Module, v: Any, folder: Path) -> Path | None:
    text = m.text(v)
    if text is None or _HOLE in text or not text.strip():
        return None
    p = Path(text)
    return p if p.is_absolute() else folder / p


def _code_location(m: Module, b: Block, fn: DurableFn, folder: Path) -> None:
    if m.literal(b.attr("package_type")) == "Image" or "image_uri" in b.attrs or "s3_bucket" in b.attrs:
        return
    handler = m.literal(b.attr("handler"))
    if not isinstance(handler, str):
        return
    filename = b.attr("filename")
    archive = None
    if isinstance(filename, Ref) and filename.parts[:2] == ("data", "archive_file") and len(filename.parts) >= 3:
        archive = m.data.get(("archive_file", filename.parts[2]))
    elif isinstance(filename, Ref) and filename.parts[:1] == ("archive_file",) and len(filename.parts) >= 2:
        archive = m.resources.get(("archive_file", filename.parts[1]))  # the archive provider's resource form
    if archive is not None:
        if "source_dir" in archive.attrs:
            code_dir = _path(m, archive.attr("source_dir"), folder)
            if code_dir is not None:
                fn.code_dir = code_dir
                fn.code_files = handler_files(code_dir, handler)
        elif "source_file" in archive.attrs:
            # a zip of one file: the handler module is that file's name
            f = _path(m, archive.attr("source_file"), folder)
            if f is not None and f.stem == handler.rsplit(".", 1)[0]:
                fn.code_files = [f]
        return
    zip_path = _path(m, filename, folder) if filename is not None else None
    if zip_path is not None and zip_path.suffix.lower() == ".zip":
        # a zip built beside the module: the handler module there counts when it exists
        fn.code_files = [f for f in handler_files(folder, handler) if f.is_file()]
