"""Non-relative TypeScript/JavaScript imports of the project's own files (workspaces, tsconfig paths).

Each test builds a small repository on disk and asks what a specifier resolves to, or lints it with
the real engine and checks that DUR005 follows (or does not follow) the import.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambda_durable_mcp.analyzer import analyze_paths, configfiles
from lambda_durable_mcp.analyzer.typescript import modules

HANDLER = """import {{ withDurableExecution, DurableContext }} from "@aws/durable-execution-sdk-js";
import {{ {name} }} from "{spec}";

export const handler = withDurableExecution(async (event: unknown, context: DurableContext) => {{
  const value = {name}();
  await context.wait("pause", {{ seconds: 1 }});
  return {{ value }};
}});
"""
IMPURE = "export function {name}(): string {{\n  return String(Date.now());\n}}\n"


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    configfiles.clear_caches()


def _write(root: Path, files: dict[str, str | dict]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(content) if isinstance(content, dict) else content)


def _dur005_lines(root: Path) -> list[tuple[str, int]]:
    result = analyze_paths([root], root=root)
    return sorted((d.path, d.line) for d in result.diagnostics if d.rule == "DUR005")


def test_npm_workspace_package_with_built_entry_maps_to_source(tmp_path: Path) -> None:
    _write(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "package.json": {"name": "root", "private": True, "workspaces": {"packages": ["libs/**"]}},
        "libs/group/ids/package.json": {"name": "@acme/ids", "exports": {
            ".": {"types": "./dist/index.d.ts", "import": "./dist/index.mjs", "require": "./dist/index.cjs"},
            "./time/*": {"import": "./dist/time/*.js"}}},
        "libs/group/ids/src/index.ts": IMPURE.format(name="makeId"),
        "libs/group/ids/src/time/clock.ts": IMPURE.format(name="now"),
        "apps/api/handler.ts": HANDLER.format(name="makeId", spec="@acme/ids"),
        "apps/api/other.ts": HANDLER.format(name="now", spec="@acme/ids/time/clock"),
    })
    handler = str(tmp_path / "apps/api/handler.ts")
    assert modules.resolve_bare(handler, "@acme/ids") == str(tmp_path / "libs/group/ids/src/index.ts")
    assert modules.resolve_bare(handler, "@acme/ids/time/clock") == str(tmp_path / "libs/group/ids/src/time/clock.ts")
    assert modules.resolve_bare(handler, "zod") is None
    assert modules.resolve_bare(handler, "@acme/unknown") is None
    assert _dur005_lines(tmp_path) == [("apps/api/handler.ts", 5), ("apps/api/other.ts", 5)]


def test_pnpm_workspace_and_node_modules_never_resolved(tmp_path: Path) -> None:
    _write(tmp_path, {
        "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  - '!packages/private-*'\n",
        "packages/clock/package.json": {"name": "clock", "main": "lib/index.js"},
        "packages/clock/src/index.ts": IMPURE.format(name="now"),
        "packages/private-x/package.json": {"name": "private-x"},
        "packages/private-x/index.ts": IMPURE.format(name="x"),
        "node_modules/dep/package.json": {"name": "dep", "main": "index.ts"},
        "node_modules/dep/index.ts": IMPURE.format(name="dep"),
        "svc/handler.ts": HANDLER.format(name="now", spec="clock"),
    })
    importer = str(tmp_path / "svc/handler.ts")
    assert modules.resolve_bare(importer, "clock") == str(tmp_path / "packages/clock/src/index.ts")
    assert modules.resolve_bare(importer, "private-x") is None  # excluded by the `!` pattern
    assert modules.resolve_bare(importer, "dep") is None  # a dependency, not project code
    assert _dur005_lines(tmp_path) == [("svc/handler.ts", 5)]


def test_dur009_follows_a_workspace_package_but_not_node_modules(tmp_path: Path) -> None:
    """A helper that sleeps in a workspace package is project code (DUR009 at its call); a package of
    node_modules that exports a function of the same name is not summarized."""
    sleeper = "export const {name} = (ms: number) => new Promise((r) => setTimeout(r, ms));\n"
    handler = ('import {{ withDurableExecution, DurableContext }} from "@aws/durable-execution-sdk-js";\n'
               'import {{ {name} }} from "{spec}";\n'
               "export const handler = withDurableExecution(async (e: unknown, context: DurableContext) => {{\n"
               "  await {name}(10);\n"
               '  await context.wait("pause", {{ seconds: 1 }});\n'
               "}});\n")
    _write(tmp_path, {
        "package.json": {"name": "root", "private": True, "workspaces": ["packages/*"]},
        "packages/timing/package.json": {"name": "@acme/timing", "main": "src/index.ts"},
        "packages/timing/src/index.ts": sleeper.format(name="nap"),
        "node_modules/sleep-lib/package.json": {"name": "sleep-lib", "main": "index.ts"},
        "node_modules/sleep-lib/index.ts": sleeper.format(name="sleep"),
        "svc/a.ts": handler.format(name="nap", spec="@acme/timing"),
        "svc/b.ts": handler.format(name="sleep", spec="sleep-lib"),
    })
    result = analyze_paths([tmp_path / "svc"], root=tmp_path)
    assert [(d.path, d.line, d.rule) for d in result.diagnostics] == [("svc/a.ts", 4, "DUR009")]
    assert "packages/timing/src/index.ts:nap -> setTimeout" in result.diagnostics[0].message


def test_tsconfig_paths_with_comments_extends_and_base_url(tmp_path: Path) -> None:
    _write(tmp_path, {
        "node_modules/@acme/tsconfig/base.json": '{ "compilerOptions": { "strict": true } }',
        "tsconfig.base.json": """{
  // "paths" below is relative to baseUrl, which is relative to this file
  "extends": "@acme/tsconfig/base.json",
  "compilerOptions": {
    "baseUrl": "./src",
    "paths": {
      "~/*": ["./*"],            /* "~/ids" -> src/ids */
      "@cfg": ["config/index.ts"],
      "@docs/*": ["https://example.com/*"],
    },
  },
}""",
        "app/tsconfig.json": '{ "extends": "../tsconfig.base" }',
        "src/ids.ts": IMPURE.format(name="makeId"),
        "src/config/index.ts": IMPURE.format(name="readConfig"),
        "src/lib/pure.ts": "export function pure(): string {\n  return 'x';\n}\n",
        "app/handler.ts": HANDLER.format(name="makeId", spec="~/ids"),
        "app/config.ts": HANDLER.format(name="readConfig", spec="@cfg"),
        "app/pure.ts": HANDLER.format(name="pure", spec="lib/pure"),  # through baseUrl alone
    })
    importer = str(tmp_path / "app/handler.ts")
    assert modules.resolve_bare(importer, "~/ids") == str(tmp_path / "src/ids.ts")
    assert modules.resolve_bare(importer, "lib/pure") == str(tmp_path / "src/lib/pure.ts")
    assert modules.resolve_bare(importer, "@docs/x") is None
    assert _dur005_lines(tmp_path) == [("app/config.ts", 5), ("app/handler.ts", 5)]


def test_paths_without_base_url_are_relative_to_their_config(tmp_path: Path) -> None:
    _write(tmp_path, {
        "tsconfig.json": '{"compilerOptions": {"paths": {"@/*": ["./src/*"], "@/special": ["./other/special"]}}}',
        "src/special.ts": IMPURE.format(name="a"),
        "other/special.ts": IMPURE.format(name="b"),
        "src/h.ts": "",
    })
    importer = str(tmp_path / "src/h.ts")
    assert modules.resolve_bare(importer, "@/special") == str(tmp_path / "other/special.ts")  # exact key wins
    assert modules.resolve_bare(importer, "@/h") == str(tmp_path / "src/h.ts")


def test_nothing_is_read_above_the_repository_top_or_for_inline_code(tmp_path: Path) -> None:
    _write(tmp_path, {
        "tsconfig.json": '{"compilerOptions": {"paths": {"@up/*": ["./up/*"]}}}',
        "package.json": {"workspaces": ["up"]},
        "up/package.json": {"name": "up-pkg", "main": "index.ts"},
        "up/index.ts": IMPURE.format(name="a"),
        "up/x.ts": IMPURE.format(name="x"),
        "repo/.git/HEAD": "ref: refs/heads/main\n",
        "repo/h.ts": "",
    })
    importer = str(tmp_path / "repo/h.ts")
    assert modules.resolve_bare(importer, "@up/x") is None
    assert modules.resolve_bare(importer, "up-pkg") is None
    assert modules.resolve_bare(str(tmp_path / "repo/missing.ts"), "up-pkg") is None


def test_broken_configs_are_ignored(tmp_path: Path) -> None:
    _write(tmp_path, {
        "tsconfig.json": "{ this is not json",
        "package.json": '{"workspaces": 5}',
        "h.ts": HANDLER.format(name="x", spec="@acme/x"),
    })
    assert modules.resolve_bare(str(tmp_path / "h.ts"), "@acme/x") is None
    assert _dur005_lines(tmp_path) == []


def test_relative_spec_reads_back_through_the_extension_rules(tmp_path: Path) -> None:
    importer = str(tmp_path / "a" / "b" / "h.ts")
    assert modules.relative_spec(importer, str(tmp_path / "a" / "b" / "c" / "ids.ts")) == "./c/ids"
    assert modules.relative_spec(importer, str(tmp_path / "lib" / "index.mjs")) == "../../lib/index"


def test_a_cached_analysis_notices_a_new_alias(tmp_path: Path) -> None:
    """The frontend keeps analyses by file content; one that read an import as third-party is redone
    when the workspace configuration later names a project file for it."""
    _write(tmp_path, {
        "src/ids.ts": IMPURE.format(name="makeId"),
        "src/handler.ts": HANDLER.format(name="makeId", spec="@lib/ids"),
    })
    assert _dur005_lines(tmp_path) == []
    _write(tmp_path, {"tsconfig.json": '{"compilerOptions": {"paths": {"@lib/*": ["./src/*"]}}}'})
    configfiles.clear_caches()  # what a few seconds do to the directory lookups
    assert _dur005_lines(tmp_path) == [("src/handler.ts", 5)]


def test_a_pathological_workspace_glob_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`**/**/**/**` reaches each folder many ways: the folders listed are capped, results are unique."""
    from lambda_durable_mcp.analyzer import configfiles as cf

    for i in range(6):
        for j in range(6):
            (tmp_path / f"a{i}" / f"b{j}" / "c" / "d").mkdir(parents=True)
    found = cf.glob_dirs(str(tmp_path), ["**", "**", "**", "**", "*"])
    assert len(found) == len(set(found)) and str(tmp_path / "a1" / "b2" / "c") in found
    listed = []
    real = cf.subdirs
    monkeypatch.setattr(cf, "subdirs", lambda d: listed.append(d) or real(d))
    monkeypatch.setattr(cf, "MAX_LISTED", 25)
    cf.glob_dirs(str(tmp_path), ["**", "**", "**", "**", "*"])
    assert len(listed) == 25  # without the cap: 4,409 listings of the same 80 folders


def _dur005_messages(root: Path) -> dict[tuple[str, int], str]:
    result = analyze_paths([root], root=root)
    return {(d.path, d.line): d.message for d in result.diagnostics if d.rule == "DUR005"}


def test_star_reexports_and_commonjs_barrels_are_followed(tmp_path: Path) -> None:
    """`export *`, `export * as ns`, an import exported again and CommonJS barrels, relative ones
    included; two barrels that re-export each other end the walk."""
    js_handler = """const {{ withDurableExecution }} = require("@aws/durable-execution-sdk-js");
const {name} = require("{spec}");

exports.handler = withDurableExecution(async (event, context) => {{
  const value = {name}.{fn}();
  await context.wait("pause", {{ seconds: 1 }});
  return {{ value }};
}});
"""
    _write(tmp_path, {
        "lib/time.ts": IMPURE.format(name="nowIso"),
        "lib/ids.ts": IMPURE.format(name="makeId"),
        "lib/index.ts": 'export * from "./time";\nexport * as ids from "./ids";\nexport * from "./loop";\n',
        "lib/loop.ts": 'export * from "./index";\n',
        "lib/again.ts": 'import { makeId } from "./ids";\nexport { makeId as newId };\n',
        "lib/seed.ts": "export default function seed(): number {\n  return Math.random();\n}\n",
        "lib/noseed.ts": 'export * from "./seed";\n',
        "h.ts": HANDLER.replace("{{ {name} }}", "{name}").format(name="seed", spec="./lib/noseed"),
        "cjs/ids.js": "function makeId() {\n  return String(Date.now());\n}\nmodule.exports = { makeId };\n",
        "cjs/spread.js": 'const ids = require("./ids");\nmodule.exports = { ...ids };\n',
        "cjs/whole.js": 'module.exports = require("./ids");\n',
        "cjs/inline.js": 'module.exports = { ...require("./ids") };\n',
        "a.ts": HANDLER.format(name="nowIso", spec="./lib"),
        "b.ts": HANDLER.format(name="missing", spec="./lib"),  # found in no module: nothing, and no loop
        "c.ts": HANDLER.replace("{name}();", "{name}.makeId();").format(name="ids", spec="./lib"),
        "d.ts": HANDLER.format(name="newId", spec="./lib/again"),
        "e.js": js_handler.format(name="x", spec="./cjs/spread", fn="makeId"),
        "f.js": js_handler.format(name="x", spec="./cjs/whole", fn="makeId"),
        "g.js": js_handler.format(name="x", spec="./cjs/inline", fn="makeId"),
    })
    found = _dur005_messages(tmp_path)
    assert sorted(found) == [("a.ts", 5), ("c.ts", 5), ("d.ts", 5), ("e.js", 5), ("f.js", 5), ("g.js", 5)]
    assert "lib/index.ts:nowIso -> time.ts:nowIso -> Date.now()" in found[("a.ts", 5)]
    assert "lib/index.ts:ids.makeId -> ids.ts:makeId -> Date.now()" in found[("c.ts", 5)]


def test_a_build_on_disk_never_hides_the_source(tmp_path: Path) -> None:
    """A package built with tsc (CommonJS the analyzer cannot follow, or a stale ESM build) is read from
    its source; tsc's output beside its source too; the built file counts only when there is no source."""
    stale = "export function makeId() {\n  return 'fixed';\n}\n"
    _write(tmp_path, {
        "package.json": {"name": "root", "private": True, "workspaces": ["packages/*"]},
        "packages/cjs/package.json": {"name": "cjs", "main": "dist/index.js", "types": "dist/index.d.ts"},
        "packages/cjs/src/index.ts": IMPURE.format(name="makeId"),
        "packages/cjs/dist/index.js": '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n',
        "packages/cjs/dist/index.d.ts": "export declare function makeId(): string;\n",
        "packages/esm/package.json": {"name": "esm", "type": "module", "exports": {".": {
            "types": "./dist/index.d.ts", "import": "./dist/index.js"}}},
        "packages/esm/src/index.ts": IMPURE.format(name="makeId"),
        "packages/esm/dist/index.js": stale,
        "packages/esm/dist/index.d.ts": "export declare function makeId(): string;\n",
        "packages/inplace/package.json": {"name": "inplace", "main": "index.js"},
        "packages/inplace/index.ts": IMPURE.format(name="makeId"),
        "packages/inplace/index.js": stale,
        "packages/plainjs/package.json": {"name": "plainjs", "main": "lib/index.js"},
        "packages/plainjs/lib/index.js": "exports.makeId = function () {\n  return String(Date.now());\n};\n",
        "app/a.ts": HANDLER.format(name="makeId", spec="cjs"),
        "app/b.ts": HANDLER.format(name="makeId", spec="esm"),
        "app/c.ts": HANDLER.format(name="makeId", spec="inplace"),
        "app/d.ts": HANDLER.format(name="makeId", spec="plainjs"),
    })
    importer = str(tmp_path / "app/a.ts")
    for name, source in (("cjs", "cjs/src/index.ts"), ("esm", "esm/src/index.ts"),
                         ("inplace", "inplace/index.ts"), ("plainjs", "plainjs/lib/index.js")):
        assert modules.resolve_bare(importer, name) == str(tmp_path / "packages" / source)
    assert _dur005_lines(tmp_path) == [("app/a.ts", 5), ("app/b.ts", 5), ("app/c.ts", 5), ("app/d.ts", 5)]


def test_subpath_exports_into_format_folders_map_to_source(tmp_path: Path) -> None:
    """dist/esm, dist/cjs, dist/types and tsup's .mjs/.cjs are one src/ tree; a build folder's own
    subfolder (dist/lib -> src/lib) stays when the source has it."""
    _write(tmp_path, {
        "package.json": {"name": "root", "private": True, "workspaces": ["packages/*"]},
        "packages/kit/package.json": {"name": "@acme/kit", "exports": {
            "./node": {"types": "./dist/types/platform/node.d.ts", "import": "./dist/esm/platform/node.js",
                       "require": "./dist/cjs/platform/node.js"},
            "./clock": {"import": "./dist/utils/clock.mjs", "require": "./dist/utils/clock.cjs"},
            "./types": {"import": "./dist/esm/types/index.js"},
            "./util": "./dist/lib/util.js"}},
        "packages/kit/src/platform/node.ts": IMPURE.format(name="a"),
        "packages/kit/src/utils/clock.ts": IMPURE.format(name="b"),
        "packages/kit/src/types/index.ts": IMPURE.format(name="c"),
        "packages/kit/src/lib/util.ts": IMPURE.format(name="d"),
        "app/h.ts": "",
    })
    importer = str(tmp_path / "app/h.ts")
    src = tmp_path / "packages/kit/src"
    assert modules.resolve_bare(importer, "@acme/kit/node") == str(src / "platform/node.ts")
    assert modules.resolve_bare(importer, "@acme/kit/clock") == str(src / "utils/clock.ts")
    assert modules.resolve_bare(importer, "@acme/kit/types") == str(src / "types/index.ts")
    assert modules.resolve_bare(importer, "@acme/kit/util") == str(src / "lib/util.ts")


def test_the_package_tsconfig_says_where_its_build_comes_from(tmp_path: Path) -> None:
    """rootDir lib, outDir dist: dist/index.js is built from lib/index.ts, not src/."""
    _write(tmp_path, {
        "package.json": {"name": "root", "private": True, "workspaces": ["packages/*"]},
        "packages/clock/package.json": {"name": "clock", "main": "dist/index.js", "types": "dist/index.d.ts",
                                        "exports": {".": "./dist/index.js", "./esm/*": "./dist/esm/*.js"}},
        "packages/clock/tsconfig.json": '{\n  // the build\n  "compilerOptions": {"rootDir": "./lib", "outDir": "./dist"}\n}',
        "packages/clock/lib/index.ts": IMPURE.format(name="now"),
        "packages/clock/lib/zone.ts": IMPURE.format(name="zone"),
        "svc/handler.ts": HANDLER.format(name="now", spec="clock"),
    })
    importer = str(tmp_path / "svc/handler.ts")
    assert modules.resolve_bare(importer, "clock") == str(tmp_path / "packages/clock/lib/index.ts")
    assert modules.resolve_bare(importer, "clock/esm/zone") == str(tmp_path / "packages/clock/lib/zone.ts")
    assert _dur005_lines(tmp_path) == [("svc/handler.ts", 5)]


def test_extends_list_later_entries_win_and_config_dir_is_the_nearest_config(tmp_path: Path) -> None:
    """TypeScript 5: every entry of an `extends` list is read, a later one overriding an earlier one
    (`paths` as a whole); `${configDir}` in a shared config is the folder of the config being compiled."""
    _write(tmp_path, {
        "node_modules/@tsconfig/node20/tsconfig.json": {"compilerOptions": {"strict": True}},
        "tsconfig.aliases.json": {"compilerOptions": {"paths": {"@lib/*": ["./first/*"], "@old/*": ["./first/*"]}}},
        "tsconfig.override.json": {"compilerOptions": {"paths": {"@lib/*": ["./second/*"]}}},
        "a/tsconfig.json": {"extends": ["@tsconfig/node20/tsconfig.json", "../tsconfig.aliases.json"]},
        "b/tsconfig.json": {"extends": ["../tsconfig.aliases.json", "../tsconfig.override.json"]},
        "first/t.ts": IMPURE.format(name="t"),
        "second/t.ts": IMPURE.format(name="t"),
        "a/h.ts": "",
        "b/h.ts": "",
        "tsconfig.base.json": {"compilerOptions": {"paths": {"~/*": ["${configDir}/src/*"]}}},
        "svc/tsconfig.json": {"extends": "../tsconfig.base.json"},
        "svc/src/lib/time.ts": IMPURE.format(name="nowIso"),
        "svc/src/handler.ts": HANDLER.format(name="nowIso", spec="~/lib/time"),
        "web/tsconfig.json": {"extends": "../tsconfig.base.json", "compilerOptions": {"baseUrl": "${configDir}/src"}},
        "web/src/ids.ts": IMPURE.format(name="makeId"),
        "web/h.ts": "",
    })
    assert modules.resolve_bare(str(tmp_path / "a/h.ts"), "@lib/t") == str(tmp_path / "first/t.ts")
    assert modules.resolve_bare(str(tmp_path / "b/h.ts"), "@lib/t") == str(tmp_path / "second/t.ts")
    assert modules.resolve_bare(str(tmp_path / "b/h.ts"), "@old/t") is None  # `paths` is replaced, not merged
    assert modules.resolve_bare(str(tmp_path / "web/h.ts"), "ids") == str(tmp_path / "web/src/ids.ts")
    assert _dur005_lines(tmp_path) == [("svc/src/handler.ts", 5)]


def test_extends_is_read_where_a_linked_package_really_is_and_never_above_the_repository(tmp_path: Path) -> None:
    """A workspace's tsconfig package reached through its node_modules link keeps `baseUrl: "../.."`
    relative to its own folder; a relative `extends` out of the repository is not read."""
    _write(tmp_path, {
        "repo/.git/HEAD": "ref: refs/heads/main\n",
        "repo/package.json": {"name": "acme", "private": True, "workspaces": ["packages/*"]},
        "repo/packages/tsconfig/package.json": {"name": "@acme/tsconfig"},
        "repo/packages/tsconfig/base.json": {"compilerOptions": {"baseUrl": "../..", "paths": {"@lib/*": ["libs/*/src"]}}},
        "repo/libs/clock/src/index.ts": IMPURE.format(name="nowIso"),
        "repo/packages/app/package.json": {"name": "@acme/app"},
        "repo/packages/app/tsconfig.json": {"extends": "@acme/tsconfig/base.json"},
        "repo/packages/app/src/handler.ts": HANDLER.format(name="nowIso", spec="@lib/clock"),
        "tsconfig.outer.json": {"compilerOptions": {"paths": {"@up/*": ["./outer/*"]}}},
        "outer/time.ts": IMPURE.format(name="nowIso"),
        "repo/services/x/tsconfig.json": {"extends": "../../../tsconfig.outer.json"},
        "repo/services/x/h.ts": "",
    })
    (tmp_path / "repo/node_modules/@acme").mkdir(parents=True)
    (tmp_path / "repo/node_modules/@acme/tsconfig").symlink_to("../../packages/tsconfig")
    importer = str(tmp_path / "repo/packages/app/src/handler.ts")
    assert modules.resolve_bare(importer, "@lib/clock") == str(tmp_path / "repo/libs/clock/src/index.ts")
    assert modules.resolve_bare(str(tmp_path / "repo/services/x/h.ts"), "@up/time") is None
    assert _dur005_lines(tmp_path / "repo") == [("packages/app/src/handler.ts", 5)]


def test_the_most_specific_exports_pattern_wins(tmp_path: Path) -> None:
    """Node picks the matching pattern with the longest prefix, whatever the order they are written in."""
    _write(tmp_path, {
        "package.json": {"name": "root", "private": True, "workspaces": ["packages/*"]},
        "packages/kit/package.json": {"name": "@acme/kit", "exports": {
            "./*": "./src/*.ts", "./time/*": "./src/clocks/*.ts", "./time/*.js": "./src/clocks/js/*.ts"}},
        "packages/kit/src/time/now.ts": "export function nowIso(): string {\n  return 'fixed';\n}\n",
        "packages/kit/src/clocks/now.ts": IMPURE.format(name="nowIso"),
        "packages/kit/src/clocks/js/now.ts": IMPURE.format(name="nowIso"),
        "packages/kit/src/other.ts": IMPURE.format(name="other"),
        "app/handler.ts": HANDLER.format(name="nowIso", spec="@acme/kit/time/now"),
    })
    importer = str(tmp_path / "app/handler.ts")
    kit = tmp_path / "packages/kit/src"
    assert modules.resolve_bare(importer, "@acme/kit/time/now") == str(kit / "clocks/now.ts")
    assert modules.resolve_bare(importer, "@acme/kit/time/now.js") == str(kit / "clocks/js/now.ts")
    assert modules.resolve_bare(importer, "@acme/kit/other") == str(kit / "other.ts")
    assert _dur005_lines(tmp_path) == [("app/handler.ts", 5)]


def test_a_paths_target_that_is_a_package_folder_uses_its_package_json(tmp_path: Path) -> None:
    _write(tmp_path, {
        "tsconfig.json": {"compilerOptions": {"paths": {"@pkg/*": ["./packages/*"]}}},
        "packages/clock/package.json": {"name": "@pkg/clock", "main": "src/main.ts"},
        "packages/clock/src/main.ts": IMPURE.format(name="nowIso"),
        "packages/built/package.json": {"name": "@pkg/built", "main": "dist/index.js"},
        "packages/built/src/index.ts": IMPURE.format(name="makeId"),
        "packages/plain/index.ts": IMPURE.format(name="plain"),
        "src/handler.ts": HANDLER.format(name="nowIso", spec="@pkg/clock"),
    })
    importer = str(tmp_path / "src/handler.ts")
    assert modules.resolve_bare(importer, "@pkg/clock") == str(tmp_path / "packages/clock/src/main.ts")
    assert modules.resolve_bare(importer, "@pkg/built") == str(tmp_path / "packages/built/src/index.ts")
    assert modules.resolve_bare(importer, "@pkg/plain") == str(tmp_path / "packages/plain/index.ts")
    assert _dur005_lines(tmp_path) == [("src/handler.ts", 5)]


def test_a_nested_yarn_workspace_sees_the_packages_of_the_one_above(tmp_path: Path) -> None:
    """`platform/` is a member of the root workspace and has workspaces of its own: its packages
    import the root's packages too; a folder with workspaces that the root does not list does not."""
    _write(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "package.json": {"name": "acme", "private": True, "workspaces": ["packages/*", "platform"]},
        "packages/clock/package.json": {"name": "@acme/clock", "main": "src/index.ts"},
        "packages/clock/src/index.ts": IMPURE.format(name="nowIso"),
        "platform/package.json": {"name": "@acme/platform", "private": True, "workspaces": ["functions/*"]},
        "platform/functions/ids/package.json": {"name": "@acme/ids", "main": "src/index.ts"},
        "platform/functions/ids/src/index.ts": IMPURE.format(name="makeId"),
        "platform/functions/orders/package.json": {"name": "@acme/fn-orders"},
        "platform/functions/orders/src/handler.ts": HANDLER.format(name="nowIso", spec="@acme/clock"),
        "sandbox/package.json": {"name": "sandbox", "private": True, "workspaces": ["apps/*"]},
        "sandbox/apps/x/package.json": {"name": "x"},
        "sandbox/apps/x/h.ts": "",
    })
    importer = str(tmp_path / "platform/functions/orders/src/handler.ts")
    assert modules.resolve_bare(importer, "@acme/clock") == str(tmp_path / "packages/clock/src/index.ts")
    assert modules.resolve_bare(importer, "@acme/ids") == str(tmp_path / "platform/functions/ids/src/index.ts")
    assert modules.resolve_bare(str(tmp_path / "sandbox/apps/x/h.ts"), "@acme/clock") is None
    assert _dur005_lines(tmp_path) == [("platform/functions/orders/src/handler.ts", 5)]


def test_node_subpath_imports_of_the_package_scope(tmp_path: Path) -> None:
    """package.json `imports` (`#clock`, `#lib/*`, conditions, a package target) of the nearest
    package.json, built targets read from their source; a nearer package.json without `imports` ends
    the lookup, as in Node."""
    _write(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "package.json": {"name": "root", "private": True, "workspaces": ["services/*", "packages/*"]},
        "packages/shared/package.json": {"name": "@acme/shared", "main": "dist/index.js"},
        "packages/shared/src/index.ts": IMPURE.format(name="makeId"),
        "services/orders/package.json": {"name": "orders", "type": "module", "imports": {
            "#clock": {"types": "./dist/clock.d.ts", "import": "./dist/clock.js", "default": "./dist/clock.cjs"},
            "#lib/*": "./src/lib/*.js",
            "#lib/private/*": None,
            "#shared": "@acme/shared",
            "#up": "../../outside.ts",
            "nohash": "./src/clock.ts"}},
        "services/orders/src/clock.ts": IMPURE.format(name="nowIso"),
        "services/orders/src/lib/ids.ts": IMPURE.format(name="makeId"),
        "services/orders/src/lib/private/x.ts": IMPURE.format(name="x"),
        "outside.ts": IMPURE.format(name="up"),
        "services/orders/src/handler.ts": HANDLER.format(name="nowIso", spec="#clock"),
        "services/orders/src/ids.ts": HANDLER.format(name="makeId", spec="#lib/ids"),
        "services/orders/src/shared.ts": HANDLER.format(name="makeId", spec="#shared"),
        "services/orders/src/legacy/package.json": {"type": "commonjs"},
        "services/orders/src/legacy/h.ts": "",
    })
    importer = str(tmp_path / "services/orders/src/handler.ts")
    src = tmp_path / "services/orders/src"
    assert modules.resolve_bare(importer, "#clock") == str(src / "clock.ts")
    assert modules.resolve_bare(importer, "#lib/ids") == str(src / "lib/ids.ts")
    assert modules.resolve_bare(importer, "#lib/private/x") is None  # a null target hides the folder
    assert modules.resolve_bare(importer, "#shared") == str(tmp_path / "packages/shared/src/index.ts")
    assert modules.resolve_bare(importer, "#up") is None  # Node refuses a target outside the package
    assert modules.resolve_bare(importer, "#nohash") is None
    assert modules.resolve_bare(importer, "#missing") is None
    assert modules.resolve_bare(importer, "#lib/../clock") is None  # a `..` segment, which Node refuses
    assert modules.resolve_bare(str(src / "legacy/h.ts"), "#clock") is None
    assert _dur005_lines(tmp_path) == [("services/orders/src/handler.ts", 5), ("services/orders/src/ids.ts", 5),
                                       ("services/orders/src/shared.ts", 5)]


def test_lerna_packages_are_a_workspace_list(tmp_path: Path) -> None:
    """lerna.json `packages` (default `packages/*`) when the root has no npm/yarn/pnpm workspaces."""
    _write(tmp_path, {
        "one/.git/HEAD": "ref: refs/heads/main\n",
        "one/lerna.json": {"version": "independent", "packages": ["modules/*", "!modules/old"]},
        "one/package.json": {"name": "one", "private": True},
        "one/modules/clock/package.json": {"name": "@acme/clock", "main": "lib/index.js"},
        "one/modules/clock/src/index.ts": IMPURE.format(name="nowIso"),
        "one/modules/old/package.json": {"name": "@acme/old", "main": "index.ts"},
        "one/modules/old/index.ts": IMPURE.format(name="old"),
        "one/apps/api/handler.ts": HANDLER.format(name="nowIso", spec="@acme/clock"),
        "two/.git/HEAD": "ref: refs/heads/main\n",
        "two/lerna.json": {"version": "1.0.0"},
        "two/packages/ids/package.json": {"name": "ids", "main": "src/index.ts"},
        "two/packages/ids/src/index.ts": IMPURE.format(name="makeId"),
        "two/packages/api/handler.ts": HANDLER.format(name="makeId", spec="ids"),
        "three/.git/HEAD": "ref: refs/heads/main\n",
        "three/lerna.json": {"packages": ["modules/*"]},
        "three/package.json": {"name": "three", "private": True, "workspaces": ["libs/*"]},
        "three/libs/a/package.json": {"name": "a", "main": "index.ts"},
        "three/libs/a/index.ts": IMPURE.format(name="a"),
        "three/modules/b/package.json": {"name": "b", "main": "index.ts"},
        "three/modules/b/index.ts": IMPURE.format(name="b"),
        "three/h.ts": "",
    })
    assert modules.resolve_bare(str(tmp_path / "one/apps/api/handler.ts"), "@acme/clock") == str(
        tmp_path / "one/modules/clock/src/index.ts")
    assert modules.resolve_bare(str(tmp_path / "one/apps/api/handler.ts"), "@acme/old") is None
    assert modules.resolve_bare(str(tmp_path / "two/packages/api/handler.ts"), "ids") == str(
        tmp_path / "two/packages/ids/src/index.ts")
    # the package manager's list wins, as in lerna 7 (and `useWorkspaces` before it)
    assert modules.resolve_bare(str(tmp_path / "three/h.ts"), "a") == str(tmp_path / "three/libs/a/index.ts")
    assert modules.resolve_bare(str(tmp_path / "three/h.ts"), "b") is None
    assert _dur005_lines(tmp_path / "one") == [("apps/api/handler.ts", 5)]
    assert _dur005_lines(tmp_path / "two") == [("packages/api/handler.ts", 5)]


def test_file_and_link_dependencies_name_local_packages(tmp_path: Path) -> None:
    """`file:`, `link:`, `portal:` and pnpm's `workspace:<path>` dependencies of the package.json files
    at and above the importer (the nearest wins) resolve into their folder, root and subpaths, like
    workspace packages; never a folder above the repository or in node_modules, nor a tarball."""
    _write(tmp_path, {
        "outside/package.json": {"name": "outside", "main": "index.ts"},
        "outside/index.ts": IMPURE.format(name="up"),
        "repo/.git/HEAD": "ref: refs/heads/main\n",
        "repo/package.json": {"name": "repo", "private": True,
                              "devDependencies": {"@acme/tools": "link:tools", "clock": "file:./wrong"}},
        "repo/tools/package.json": {"name": "@acme/tools", "main": "src/index.ts"},
        "repo/tools/src/index.ts": IMPURE.format(name="tool"),
        "repo/wrong/index.ts": "export function now(): number {\n  return 1;\n}\n",
        "repo/shared/package.json": {"name": "@acme/shared-real", "exports": {
            ".": {"types": "./dist/index.d.ts", "import": "./dist/index.js"}, "./time": "./dist/time.js"}},
        "repo/shared/src/index.ts": IMPURE.format(name="makeId"),
        "repo/shared/src/time.ts": IMPURE.format(name="nowIso"),
        "repo/libs/clock/package.json": {"name": "clock-lib"},
        "repo/libs/clock/index.ts": IMPURE.format(name="now"),
        "repo/node_modules/vendored/package.json": {"name": "vendored", "main": "index.ts"},
        "repo/node_modules/vendored/index.ts": IMPURE.format(name="v"),
        "repo/services/orders/package.json": {
            "name": "orders",
            "dependencies": {"@acme/shared": "file:../../shared", "zod": "^3.0.0",
                             "vendored": "file:../../node_modules/vendored", "tarball": "file:../../x.tgz"},
            "devDependencies": {"clock": "link:../../libs/clock", "up": "file:../../../outside"},
            "peerDependencies": {"ws-shared": "workspace:../../shared", "star": "workspace:*"},
            "optionalDependencies": {"portal": "portal:../../libs/clock"}},
        "repo/services/orders/src/handler.ts": HANDLER.format(name="makeId", spec="@acme/shared"),
        "repo/services/orders/src/time.ts": HANDLER.format(name="nowIso", spec="@acme/shared/time"),
        "repo/services/orders/src/clock.ts": HANDLER.format(name="now", spec="clock"),
    })
    (tmp_path / "repo/x.tgz").write_bytes(b"")
    importer = str(tmp_path / "repo/services/orders/src/handler.ts")
    repo = tmp_path / "repo"
    assert modules.resolve_bare(importer, "@acme/shared") == str(repo / "shared/src/index.ts")
    assert modules.resolve_bare(importer, "@acme/shared/time") == str(repo / "shared/src/time.ts")
    assert modules.resolve_bare(importer, "ws-shared") == str(repo / "shared/src/index.ts")
    assert modules.resolve_bare(importer, "clock") == str(repo / "libs/clock/index.ts")  # the nearest one
    assert modules.resolve_bare(importer, "portal") == str(repo / "libs/clock/index.ts")
    assert modules.resolve_bare(importer, "@acme/tools") == str(repo / "tools/src/index.ts")  # from the root's
    for name in ("zod", "vendored", "tarball", "up", "star", "@acme/shared-real"):
        assert modules.resolve_bare(importer, name) is None, name
    assert _dur005_lines(repo) == [("services/orders/src/clock.ts", 5), ("services/orders/src/handler.ts", 5),
                                   ("services/orders/src/time.ts", 5)]


DYNAMIC = """import {{ withDurableExecution, DurableContext }} from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event: unknown, context: DurableContext) => {{
  {load}
  const value = {call};
  await context.wait("pause", {{ seconds: 1 }});
  return {{ value }};
}});
"""


def test_awaited_dynamic_imports_with_a_literal_are_followed(tmp_path: Path) -> None:
    """`await import("./x")` reads like `require("./x")`: destructured, as a namespace, its member, and
    a package name; linting the handler alone follows it too. An import() not awaited, a computed one
    and one inside a step are not reported."""
    cases = {
        "a.ts": ('const { stamp } = await import("./lib/clock");', "stamp()"),
        "b.ts": ('const clock = await import("./lib/clock.js");', "clock.stamp()"),
        "c.ts": ("", '(await import("./lib/clock")).stamp()'),
        "d.ts": ('const stamp = (await import("./lib/clock")).stamp;', "stamp()"),
        "e.ts": ('const { makeId } = await import("@acme/ids");', "makeId()"),
        "f.ts": ('const { default: seed } = await import("./lib/seed");', "seed()"),
        "g.ts": ('const clock = require("./lib/clock");', "clock.stamp()"),  # a require in a function too
        "n1.ts": ('const pending = import("./lib/clock");', "pending.then((m) => m.stamp())"),
        "n2.ts": ('const name = "./lib/clock";\n  const { stamp } = await import(name);', "stamp()"),
        "n3.ts": ("", 'await context.step("t", async () => (await import("./lib/clock")).stamp())'),
    }
    _write(tmp_path, {
        "package.json": {"name": "root", "private": True, "workspaces": ["packages/*"]},
        "packages/ids/package.json": {"name": "@acme/ids", "main": "dist/index.js"},
        "packages/ids/src/index.ts": IMPURE.format(name="makeId"),
        "src/lib/clock.ts": IMPURE.format(name="stamp"),
        "src/lib/seed.ts": "export default function seed(): number {\n  return Math.random();\n}\n",
        **{f"src/{name}": DYNAMIC.format(load=load, call=call) for name, (load, call) in cases.items()},
    })
    found = _dur005_messages(tmp_path)
    assert sorted(found) == [(f"src/{n}", 5) for n in ("a.ts", "b.ts", "c.ts", "d.ts", "e.ts", "f.ts", "g.ts")]
    assert "clock.ts:stamp -> Date.now()" in found[("src/a.ts", 5)]
    assert "index.ts:makeId -> Date.now()" in found[("src/e.ts", 5)]
    alone = analyze_paths([tmp_path / "src/a.ts"], root=tmp_path)
    assert [(d.path, d.line) for d in alone.diagnostics if d.rule == "DUR005"] == [("src/a.ts", 5)]


def test_imported_logger_and_parent_context_fixes_name_what_exists(tmp_path: Path) -> None:
    """The durable logger has no trace(): its fix names debug(). DUR010 with the parent context inside
    a child: moved out of the step, the operation must run on the child's context (else DUR011)."""
    _write(tmp_path, {
        "logger.ts": 'import { Logger } from "@aws-lambda-powertools/logger";\nexport const logger = new Logger();\n',
        "handler.ts": """import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
import { logger } from "./logger";

export const handler = withDurableExecution(async (event: unknown, context: DurableContext) => {
  logger.trace("starting", { event });
  return context.runInChildContext("child", async (childContext: DurableContext) => {
    return childContext.step("outer", async () => {
      await context.step("inner", async () => 1);
      return 2;
    });
  });
});
""",
    })
    fixes = {d.rule: d.fix for d in analyze_paths([tmp_path], root=tmp_path).diagnostics}
    assert fixes["DUR020"] == "use context.logger.debug(...) (replay-aware) instead"
    assert fixes["DUR010"].startswith("move it out of the step function as childContext.step(...), or group")
