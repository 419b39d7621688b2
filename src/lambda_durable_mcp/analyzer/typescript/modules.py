"""Non-relative import specifiers that name the project's own files.

A monorepo imports its shared code by package name (`@acme/shared`, a workspace of npm, yarn, pnpm
or lerna, or a `file:`/`link:` dependency), through a tsconfig/jsconfig `paths` alias (`@lib/clock`,
`~/ids`) or `baseUrl`, or through a Node subpath import (`#clock`, package.json `imports`). Cross-file
rules (DUR005 and the others that follow helpers) need the source file behind such a specifier:
`resolve_bare(importer, spec)` returns it, or None when the specifier is a third-party package or
cannot be found. Only source files count: a package's `main: dist/index.js` is mapped back to
`src/index.ts` (even when a build is on disk), and nothing inside node_modules is ever returned.

Configuration files are read through analyzer.configfiles (cached per content and directory).
"""

from __future__ import annotations

import os
from typing import Any

from lambda_durable_mcp.analyzer.configfiles import (
    ancestors,
    glob_dirs,
    parse_json,
    parse_jsonc,
    parse_yaml,
    read,
    remember,
    repository_top,
)
from lambda_durable_mcp.analyzer.typescript import _tables as T

_SOURCE_EXTS = T.RESOLVE_EXTS
_BUILD_DIRS = ("dist", "lib", "build", "out", "esm", "cjs", "es", "types")
_FORMAT_DIRS = ("esm", "cjs", "es", "types", "mjs", "umd")  # dist/esm/..., dist/types/... of one src/
_TS_EXTS = (".ts", ".tsx", ".mts", ".cts")
_JS_EXTS = (".js", ".jsx", ".mjs", ".cjs")
# a compiled file's extension -> the source extensions it is built from, most likely first
_BUILT_EXTS = {".d.ts": _TS_EXTS, ".d.mts": (".mts", ".ts"), ".d.cts": (".cts", ".ts"),
               ".js": _TS_EXTS, ".jsx": (".tsx",), ".mjs": (".mts", ".ts", ".tsx"), ".cjs": (".cts", ".ts", ".tsx")}
_CONFIG_NAMES = ("tsconfig.json", "jsconfig.json")
_NOT_PROJECT = T.NOT_PROJECT_SPEC
_MAX_EXTENDS = 8             # tsconfig `extends` hops


def resolve_bare(importer: str, spec: str) -> str | None:
    """The project source file a non-relative specifier in `importer` names, or None."""
    if not spec or spec.startswith((".", "/")) or _NOT_PROJECT.match(spec) or "\\" in spec:
        return None
    if not os.path.isfile(importer):
        return None  # inline code: no project around it
    here = os.path.dirname(os.path.abspath(importer))
    config = remember(("tsconfig", here), lambda: _tsconfig_for(here))
    if config is not None:
        found = config.resolve(spec)
        if found is not None:
            return found
    if spec.startswith("#"):  # a subpath import: only the package's `imports` field maps it (after `paths`)
        scope = remember(("imports", here), lambda: _imports_for(here))
        return scope.resolve(spec) if scope is not None else None
    workspace = remember(("workspace", here), lambda: _workspace_for(here))
    if workspace is not None:
        found = workspace.resolve(spec)
        if found is not None:
            return found
    linked = remember(("linked", here), lambda: _linked_for(here))
    return linked.resolve(spec) if linked is not None else None


def relative_spec(importer: str, target: str) -> str:
    """A relative specifier from importer to target, the way resolve_candidates reads it back."""
    base = os.path.dirname(os.path.abspath(importer))
    rel = os.path.relpath(target, base).replace(os.sep, "/")
    stem, ext = os.path.splitext(rel)
    if ext in _SOURCE_EXTS:
        rel = stem  # resolve_candidates adds the extensions back, .ts first
    return rel if rel.startswith("../") else "./" + rel


def _outside_dependencies(path: str) -> bool:
    return f"{os.sep}node_modules{os.sep}" not in path


def _source_file(base: str) -> str | None:
    """The source file a path without (or with a compiled) extension names: base.ts, base/index.ts, ..."""
    stem, ext = os.path.splitext(base)
    if base.endswith(".d.ts"):
        stem, ext = base[:-5], ""
    if ext in T.SPEC_EXT_ALIASES:
        tries = [stem + e for e in T.SPEC_EXT_ALIASES[ext]]
    elif ext in _SOURCE_EXTS:
        tries = [base]
    else:
        tries = [base + e for e in _SOURCE_EXTS] + [os.path.join(base, "index" + e) for e in _SOURCE_EXTS]
    for t in tries:
        if os.path.isfile(t) and _outside_dependencies(os.path.realpath(t)):
            return os.path.normpath(t)
    return None


# ---------------------------------------------------------------------------------------------
# tsconfig / jsconfig `paths` and `baseUrl`


class _PathsConfig:
    def __init__(self, base_url: str | None, paths: dict[str, list[str]], paths_base: str) -> None:
        self.base_url = base_url
        self.paths = paths
        self.paths_base = paths_base
        self.memo: dict[str, str | None] = {}

    def resolve(self, spec: str) -> str | None:
        if spec not in self.memo:
            self.memo[spec] = self._resolve(spec)
        return self.memo[spec]

    def _resolve(self, spec: str) -> str | None:
        for target in self._substitutions(spec):
            found = _path_target(os.path.join(self.paths_base, target))
            if found is not None:
                return found
        if self.base_url is not None:
            return _path_target(os.path.join(self.base_url, spec))
        return None

    def _substitutions(self, spec: str) -> list[str]:
        """TypeScript's choice: an exact key, else the wildcard key with the longest prefix."""
        if spec in self.paths:
            return list(self.paths[spec])
        best: tuple[int, str] | None = None
        for key in self.paths:
            if key.count("*") != 1:
                continue
            prefix, suffix = key.split("*")
            if spec.startswith(prefix) and spec.endswith(suffix) and len(spec) >= len(prefix) + len(suffix):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), key)
        if best is None:
            return []
        prefix, suffix = best[1].split("*")
        star = spec[len(prefix):len(spec) - len(suffix)]
        return [t.replace("*", star, 1) for t in self.paths[best[1]]]


def _path_target(path: str) -> str | None:
    """The source a `paths` target or baseUrl path names: a file, or a folder's package.json entry
    (as TypeScript reads a package folder) before its index."""
    if os.path.isfile(os.path.join(path, "package.json")):
        return _first_file(path, _SOURCE_EXTS) or _package_source(path, "")
    return _source_file(path)


def _tsconfig_for(directory: str) -> _PathsConfig | None:
    for d in ancestors(directory):
        for name in _CONFIG_NAMES:
            path = os.path.join(d, name)
            if os.path.isfile(path):  # one object per config file: directories share its memo
                return remember(("config", path), lambda path=path: _load_config(path))
        if repository_top(d):
            return None  # a repository's top: configs above it belong to something else
    return None


def _load_config(path: str) -> _PathsConfig | None:
    """The nearest config's `baseUrl` and `paths`, following `extends` (a string, or TypeScript 5's
    list whose later entries override earlier ones). Each value is resolved where it is set, and
    `${configDir}` (TypeScript 5.5) is the folder of the nearest config, the one being compiled."""
    config_dir = os.path.dirname(path)
    top = _top_of(config_dir)
    base_url: str | None = None
    paths: dict[str, list[str]] | None = None
    paths_base = config_dir
    seen: set[str] = set()
    # depth first: a config, then what it extends from the last entry to the first; the first value wins
    stack = [path]
    while stack and len(seen) < _MAX_EXTENDS:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        config = read(current, parse_jsonc)
        if config is None:
            continue
        options = config.get("compilerOptions")
        here = os.path.dirname(current)
        if isinstance(options, dict):
            if base_url is None and isinstance(options.get("baseUrl"), str):
                base_url = os.path.normpath(os.path.join(here, _config_dir(options["baseUrl"], config_dir)))
            if paths is None and isinstance(options.get("paths"), dict):
                paths = {k: [_config_dir(t, config_dir) for t in v if isinstance(t, str)]
                         for k, v in options["paths"].items() if isinstance(k, str) and isinstance(v, list)}
                paths_base = here
        if base_url is not None and paths is not None:
            break
        stack.extend(_extended(config.get("extends"), here, top))
    if paths is not None and base_url is not None:
        paths_base = base_url  # with baseUrl, `paths` targets are relative to it
    if paths is None and base_url is None:
        return None
    return _PathsConfig(base_url, paths or {}, paths_base)


def _config_dir(value: str, config_dir: str) -> str:
    return value.replace("${configDir}", config_dir) if "${configDir}" in value else value


def _top_of(directory: str) -> str | None:
    """The repository top folder (the one holding .git) at or above directory, if any."""
    for d in ancestors(directory):
        if repository_top(d):
            return d
    return None


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _extended(value: Any, here: str, top: str | None) -> list[str]:
    """The configs an `extends` names (a string, or TypeScript 5's list), in the order written: relative
    ones, never above the repository's top, and packages in node_modules, read where they really are
    (a workspace's shared tsconfig package is a link, and its relative settings are from its folder)."""
    out: list[str] = []
    for entry in value if isinstance(value, list) else [value]:
        if not isinstance(entry, str) or not entry:
            continue
        if entry.startswith((".", "/")):
            path = os.path.normpath(os.path.join(here, entry))
            if not path.endswith(".json") and not os.path.isfile(path):
                path += ".json"
            if top is not None and _inside(here, top) and not _inside(path, top):
                continue  # above the repository: configuration of something else
            if os.path.isfile(path):
                out.append(path)
            continue
        for d in ancestors(here):  # `@tsconfig/node20/tsconfig.json`, `@acme/tsconfig`
            pkg = os.path.join(d, "node_modules", entry)
            found = next((p for p in (pkg, pkg + ".json", os.path.join(pkg, "tsconfig.json")) if os.path.isfile(p)),
                         None)
            if found is not None:
                out.append(os.path.realpath(found))
                break
            if d == top:
                break
    return out


# ---------------------------------------------------------------------------------------------
# npm / yarn / pnpm workspaces


class _Workspace:
    def __init__(self, packages: dict[str, str]) -> None:
        self.packages = packages  # package name -> its directory
        self.memo: dict[str, str | None] = {}

    def resolve(self, spec: str) -> str | None:
        if spec not in self.memo:
            self.memo[spec] = self._resolve(spec) if self.packages else None
        return self.memo[spec]

    def _resolve(self, spec: str) -> str | None:
        name = spec
        sub = ""
        if spec not in self.packages:
            parts = spec.split("/")
            cut = 2 if spec.startswith("@") else 1
            name, sub = "/".join(parts[:cut]), "/".join(parts[cut:])
            if name not in self.packages:
                return None
        return _package_source(self.packages[name], sub)


def _package_source(directory: str, sub: str) -> str | None:
    """The source file of a package folder's root (sub == "") or subpath, from its package.json."""
    manifest = read(os.path.join(directory, "package.json"), parse_json) or {}
    for target in _entry_targets(manifest, sub):
        found = _mapped_source(directory, target)
        if found is not None:
            return found
    if sub:
        return _mapped_source(directory, sub) or _source_file(os.path.join(directory, "src", sub))
    return _source_file(os.path.join(directory, "src", "index")) or _source_file(os.path.join(directory, "index"))


def _entry_targets(manifest: dict[str, Any], sub: str) -> list[str]:
    """What package.json says the root (sub == "") or a subpath resolves to, most source-like first."""
    out: list[str] = []
    exports = manifest.get("exports")
    if isinstance(exports, (str, list)) or (isinstance(exports, dict) and not any(
            isinstance(k, str) and k.startswith(".") for k in exports)):
        if not sub:
            out.extend(_leaves(exports))
    elif isinstance(exports, dict):
        out.extend(_matched(exports, "./" + sub if sub else "."))
    if not sub:
        for field in ("source", "types", "typings", "module", "main"):
            value = manifest.get(field)
            if isinstance(value, str):
                out.append(value)
    return out


def _matched(mapping: dict[Any, Any], key: str) -> list[str]:
    """The targets an `exports` or `imports` map gives key, `*` substituted: the exact key, else Node's
    choice among matching patterns (the longest prefix, then the longest key)."""
    if key in mapping and "*" not in key:
        return _leaves(mapping[key])
    best: tuple[int, int, str] | None = None
    for pattern in mapping:
        if isinstance(pattern, str) and pattern.count("*") == 1:
            prefix, suffix = pattern.split("*")
            if key.startswith(prefix) and key.endswith(suffix) and len(key) > len(prefix) + len(suffix):
                rank = (len(prefix), len(pattern), pattern)
                if best is None or rank[:2] > best[:2]:
                    best = rank
    if best is None:
        return []
    prefix, suffix = best[2].split("*")
    star = key[len(prefix):len(key) - len(suffix)]
    return [t.replace("*", star) for t in _leaves(mapping[best[2]])]


def _leaves(value: Any, depth: int = 0) -> list[str]:
    """The paths of an `exports` value: a string, a list, or conditions (`types`, `import`, ...)."""
    if depth > 6:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for v in value for t in _leaves(v, depth + 1)]
    if isinstance(value, dict):
        order = sorted(value, key=lambda k: (k not in ("source", "types", "typescript"), 0))
        return [t for k in order for t in _leaves(value[k], depth + 1)]
    return []


def _mapped_source(directory: str, target: str) -> str | None:
    """The source behind a manifest target. A built file (`dist/esm/x.js`, `index.d.ts`) is mapped back
    first (the package tsconfig's outDir -> rootDir, a build folder -> src/, .js -> .ts beside it):
    a build left on disk may be stale or CommonJS the analyzer cannot read. The target itself counts
    only when no source exists."""
    target = os.path.normpath(target).replace(os.sep, "/")
    if target.startswith("../") or target in ("..", "/") or os.path.isabs(target):
        return None  # a target outside the package
    stem, built = _built_stem(target)
    parts = stem.split("/")
    if built or (len(parts) > 1 and parts[0] in _BUILD_DIRS):
        exts = _BUILT_EXTS.get(built, _TS_EXTS)
        for base, also_js in _source_bases(directory, parts):
            found = _first_file(base, exts + (_JS_EXTS if also_js else ()))
            if found is not None:
                return found
    found = _source_file(os.path.join(directory, target))
    if found is not None:
        return found
    if len(parts) > 1 and parts[0] in _BUILD_DIRS:
        return _source_file(os.path.join(directory, "src", *parts[1:]))
    return _source_file(os.path.join(directory, "src", target))


def _built_stem(target: str) -> tuple[str, str]:
    """(target without its compiled extension, that extension or "")."""
    for ext in (".d.ts", ".d.mts", ".d.cts"):
        if target.endswith(ext):
            return target[: -len(ext)], ext
    stem, ext = os.path.splitext(target)
    return (stem, ext) if ext in _BUILT_EXTS else (target, "")


def _source_bases(directory: str, parts: list[str]) -> list[tuple[str, bool]]:
    """Where the source of a built path (split, without extension) may be: (path without extension,
    whether a .js file there is source too), most likely first."""
    out: list[tuple[str, bool]] = []
    layout = _out_and_root(directory)
    if layout is not None:  # the package's tsconfig says where its build comes from
        out_dir, root_dir = layout
        n = len(out_dir)
        if parts[:n] == out_dir and len(parts) > n:
            rest = parts[n:]
            out.extend((os.path.join(directory, *root_dir, *r), True) for r in _without_format_dirs(rest))
    if len(parts) > 1 and parts[0] in _BUILD_DIRS:
        out.extend((os.path.join(directory, "src", *r), True) for r in _without_format_dirs(parts[1:]))
    out.append((os.path.join(directory, *parts), False))  # tsc next to its source: index.js beside index.ts
    return out


def _without_format_dirs(rest: list[str]) -> list[list[str]]:
    """`esm/platform/node` -> [`platform/node`, `esm/platform/node`]: a format subfolder of one build
    (dist/esm, dist/types) is not in the source, but a source folder may share its name."""
    stripped = rest
    while len(stripped) > 1 and stripped[0] in _FORMAT_DIRS:
        stripped = stripped[1:]
    return [stripped, rest] if stripped is not rest else [rest]


def _first_file(base: str, exts: tuple[str, ...]) -> str | None:
    for e in exts:
        t = base + e
        if os.path.isfile(t) and _outside_dependencies(os.path.realpath(t)):
            return os.path.normpath(t)
    return None


def _out_and_root(directory: str) -> tuple[list[str], list[str]] | None:
    """The package tsconfig's `outDir` and `rootDir` (as path segments below the package), when both are set."""
    config = read(os.path.join(directory, "tsconfig.json"), parse_jsonc)
    options = config.get("compilerOptions") if config else None
    if not isinstance(options, dict):
        return None
    out_dir, root_dir = options.get("outDir"), options.get("rootDir")
    if not isinstance(out_dir, str) or not isinstance(root_dir, str):
        return None
    segs = []
    for value in (out_dir, root_dir):
        rel = os.path.normpath(value).replace(os.sep, "/")
        if rel.startswith("../") or rel == ".." or os.path.isabs(rel):
            return None
        segs.append([] if rel == "." else rel.split("/"))
    return (segs[0], segs[1]) if segs[0] else None


def _workspace_for(directory: str) -> _Workspace | None:
    for d in ancestors(directory):
        if _workspace_at(d) is not None:
            return remember(("nested", d), lambda d=d: _with_outer(d))
        if repository_top(d):
            return None
    return None


def _with_outer(root: str) -> _Workspace | None:
    """The workspace at root, joined by the packages of each workspace above it that lists root as a
    member (yarn's nested workspaces): the nearer one's names win."""
    workspace = _workspace_at(root)
    if workspace is None or repository_top(root):
        return workspace
    inner = root
    for d in ancestors(os.path.dirname(root)):
        outer = _workspace_at(d)
        if outer is not None:
            if inner not in outer.packages.values():
                break
            workspace = _Workspace({**outer.packages, **workspace.packages})
            inner = d
        if repository_top(d):
            break
    return workspace


def _workspace_at(d: str) -> _Workspace | None:
    """The workspace whose root is d (pnpm-workspace.yaml, package.json `workspaces`, else lerna.json
    `packages`), if it is one."""
    patterns: list[str] | None = None
    pnpm = os.path.join(d, "pnpm-workspace.yaml")
    if os.path.isfile(pnpm):
        doc = read(pnpm, parse_yaml) or {}
        patterns = [p for p in doc.get("packages") or [] if isinstance(p, str)]
    else:
        manifest = read(os.path.join(d, "package.json"), parse_json)
        if manifest is not None and "workspaces" in manifest:
            ws = manifest["workspaces"]
            if isinstance(ws, dict):
                ws = ws.get("packages")
            patterns = [p for p in ws or [] if isinstance(p, str)] if isinstance(ws, list) else []
    if patterns is None:
        lerna = read(os.path.join(d, "lerna.json"), parse_json)
        if lerna is not None:  # lerna's own list, `packages/*` when it has none
            listed = lerna.get("packages")
            patterns = [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else ["packages/*"]
    if patterns is None:
        return None
    return remember(("packages", d), lambda: _Workspace(_packages(d, patterns)))


def _packages(root: str, patterns: list[str]) -> dict[str, str]:
    """Workspace package names -> directories, from the workspace globs (`!` excludes honoured)."""
    included: list[str] = []
    excluded: set[str] = set()
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.strip().rstrip("/")
        if not pat or pat.startswith("/") or ".." in pat.split("/"):
            continue
        matches = glob_dirs(root, pat.split("/"))
        if negate:
            excluded.update(os.path.normpath(m) for m in matches)
        else:
            included.extend(os.path.normpath(m) for m in matches)
    out: dict[str, str] = {}
    for d in included:
        if d in excluded or not os.path.isdir(d):
            continue
        manifest = read(os.path.join(d, "package.json"), parse_json)
        name = manifest.get("name") if manifest else None
        if isinstance(name, str) and name and name not in out:
            out[name] = d
    manifest = read(os.path.join(root, "package.json"), parse_json)
    name = manifest.get("name") if manifest else None
    if isinstance(name, str) and name and name not in out:
        out[name] = root  # the root package may import itself by name too
    return out


# ---------------------------------------------------------------------------------------------
# `file:` / `link:` dependencies: a package.json names a local folder as a package


_LOCAL_PROTOCOLS = ("file:", "link:", "portal:", "workspace:")
_DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def _linked_for(directory: str) -> _Workspace | None:
    """The local packages the package.json files at and above directory depend on: the nearest one's
    names win, as Node finds them in the nearest node_modules."""
    top = _top_of(directory)
    packages: dict[str, str] = {}
    for d in ancestors(directory):
        at: dict[str, str] = remember(("linked-at", d), lambda d=d: _linked_at(d, top))
        for name, folder in at.items():
            packages.setdefault(name, folder)
        if repository_top(d):
            break
    return _Workspace(packages) if packages else None


def _linked_at(d: str, top: str | None) -> dict[str, str]:
    """Dependency name -> folder, for the dependencies of d/package.json that are local folders."""
    manifest = read(os.path.join(d, "package.json"), parse_json)
    out: dict[str, str] = {}
    for field in _DEPENDENCY_FIELDS:
        deps = manifest.get(field) if manifest else None
        if not isinstance(deps, dict):
            continue
        for name, version in deps.items():
            if isinstance(name, str) and isinstance(version, str) and name not in out:
                folder = _local_folder(d, version, top)
                if folder is not None:
                    out[name] = folder
    return out


def _local_folder(d: str, version: str, top: str | None) -> str | None:
    """The folder `file:../shared`, `link:../shared` (pnpm, yarn), `portal:` (yarn) or pnpm's
    `workspace:../shared` names, relative to the package.json in d: a folder of the repository, never
    one in node_modules. A version range (`workspace:*`) or a tarball (`file:../x.tgz`) is None."""
    proto = next((p for p in _LOCAL_PROTOCOLS if version.startswith(p)), None)
    if proto is None:
        return None
    path = version[len(proto):].strip()
    if proto == "workspace:" and not path.startswith(("./", "../")):
        return None  # `workspace:*`, `workspace:^1.2`: a workspace package, by its name
    if not path or path.startswith(("~", "//")):
        return None
    folder = os.path.normpath(os.path.join(d, path))
    if not os.path.isdir(folder) or not _outside_dependencies(os.path.realpath(folder) + os.sep):
        return None
    if top is not None and not _inside(folder, top):
        return None  # above the repository: something else's code
    return folder


# ---------------------------------------------------------------------------------------------
# Node subpath imports: package.json `imports` (`#clock`, `#lib/*`)


class _Imports:
    def __init__(self, directory: str, imports: dict[Any, Any]) -> None:
        self.directory = directory  # the package folder: its package.json has the `imports`
        self.imports = {k: v for k, v in imports.items() if isinstance(k, str) and k.startswith("#")}
        self.memo: dict[str, str | None] = {}

    def resolve(self, spec: str) -> str | None:
        if spec not in self.memo:
            self.memo[spec] = self._resolve(spec)
        return self.memo[spec]

    def _resolve(self, spec: str) -> str | None:
        if any(part in (".", "..", "node_modules") for part in spec.split("/")[1:]):
            return None  # Node refuses these segments in what a pattern matches
        for target in _matched(self.imports, spec):
            if target.startswith("./"):
                found = _mapped_source(self.directory, target)
            elif target.startswith(("../", "/", "#")) or ":" in target:
                continue  # Node refuses these targets (and a URL is nothing of the project's)
            else:
                # `"#shared": "@acme/shared"`: a package, resolved from the package folder as Node does
                found = resolve_bare(os.path.join(self.directory, "package.json"), target)
            if found is not None:
                return found
        return None


def _imports_for(directory: str) -> _Imports | None:
    """The `imports` of the package directory is in: its nearest package.json (the package scope, as
    Node and TypeScript read it), None if that one has no `imports`."""
    for d in ancestors(directory):
        path = os.path.join(d, "package.json")
        if os.path.isfile(path):
            manifest = read(path, parse_json)
            imports = manifest.get("imports") if manifest else None
            if not isinstance(imports, dict):
                return None
            return remember(("imports-at", d), lambda d=d, imports=imports: _Imports(d, imports))
        if repository_top(d) or os.path.basename(d) == "node_modules":
            return None
    return None
