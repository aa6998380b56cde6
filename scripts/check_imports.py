#!/usr/bin/env python3
"""The module import graph of src/: fails on an import circle between files, on an import that
points up (a stage using a later stage or the layers above `stages`), on production code that
imports the synthetic-data generator (`crate::sample`), and on a source file over 700 lines.

An edge A -> B means file A names an item of module B (`use crate::x::y`, `super::z`, or an
inline `crate::x::y::item` path). A folder's `mod.rs` declaring its children is not an edge;
`#[cfg(test)]` modules are left out (tests may reach anywhere). Run from the repository root:
`python3 scripts/check_imports.py` (CI runs it).
"""

import re
import sys
from pathlib import Path

SRC = Path("src")
MAX_LINES = 700
# Only the generator itself and the command that runs it may import it.
SAMPLE_USERS = ("src/sample/", "src/cmd/sample.rs", "src/commands.rs")
# The sub-pipelines of `stages/`, in the order a run passes them: a stage may use the ones
# before its own, never one after (src/stages/mod.rs). Stages use no module of the layers above
# them (pipeline, report, charts, view, the commands).
STAGE_ORDER = ["inputs", "profile", "privacy", "outliers", "focus", "practices", "monitoring", "effects"]
BELOW_STAGES = {"domain", "columns", "published", "stats", "frame", "problem", "error", "text",
                "progress", "stages", "geometry", "checksum"}


def module_of(path: Path) -> tuple:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def file_of(module: tuple, files: dict):
    """The file that holds `module`, or of its longest prefix that is a file."""
    for n in range(len(module), -1, -1):
        if module[:n] in files:
            return files[module[:n]]
    return None


def without_tests(text: str) -> str:
    # Drop `#[cfg(test)]` items: a test module to its end (tests sit at the end of a file).
    m = re.search(r"#\[cfg\(test\)\]\s*\n\s*(pub\s+)?mod\s+\w+\s*\{", text)
    text = text[: m.start()] if m else text
    return re.sub(r"#\[cfg\(test\)\]\s*\n\s*(pub\s+)?mod\s+\w+\s*;", "", text)


def without_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def paths_in(text: str):
    """Every `crate::…`, `super::…` and `self::…` path, with use-groups expanded one level."""
    for m in re.finditer(r"\buse\s+((?:crate|super|self)(?:::\w+)*)::\{([^;]*)\};", text, re.S):
        base = m.group(1)
        for item in re.split(r",", m.group(2)):
            item = item.strip().split(" as ")[0].strip()
            if item and item != "self" and not item.startswith("{"):
                yield base + "::" + item.split("::{")[0]
            elif item == "self":
                yield base
    for m in re.finditer(r"\b((?:crate|super)(?:::(?:super|\w+))+)", text):
        yield m.group(1)
    # `use child::…` in a module names its own child module (Rust 2018 paths).
    for m in re.finditer(r"\buse\s+(\w+)::", text):
        if m.group(1) not in ("crate", "super", "self"):
            yield "self::" + m.group(1)


def resolve(path: str, here: tuple) -> tuple:
    """The module a path names: `crate::` from the root, each `super` one level up from the
    file's own module (for `a/b.rs` and `a/b/mod.rs` alike), `self` the module itself."""
    parts = path.split("::")
    base = [] if parts[0] == "crate" else list(here)
    for p in parts:
        if p == "super":
            base = base[:-1]
    return tuple(base + [p for p in parts if p not in ("super", "self", "crate")])


def main() -> int:
    sources = sorted(SRC.rglob("*.rs"))
    files = {module_of(p): p for p in sources}
    edges = {p: set() for p in sources}
    problems = []
    for p in sources:
        text = p.read_text()
        lines = text.count("\n")
        if lines > MAX_LINES:
            problems.append(f"{p}: {lines} lines (at most {MAX_LINES})")
        body = without_comments(without_tests(text))
        here = module_of(p)
        for path in paths_in(body):
            target_mod = resolve(path, here)
            target = file_of(target_mod, files)
            if target is None or target == p:
                continue
            if target.name in ("lib.rs", "main.rs"):
                continue
            edges[p].add(target)
            a, b = module_of(p), module_of(target)
            if a[:1] == ("stages",) and b[:1] and b[0] not in BELOW_STAGES:
                problems.append(f"{p} points up: it uses `{path}`")
            if (
                len(a) > 1 and len(b) > 1 and a[0] == b[0] == "stages"
                and a[1] in STAGE_ORDER and b[1] in STAGE_ORDER
                and STAGE_ORDER.index(b[1]) > STAGE_ORDER.index(a[1])
            ):
                problems.append(f"{p} points up: stage `{a[1]}` uses the later stage `{path}`")
            if target_mod[:1] == ("sample",) and not str(p).startswith(SAMPLE_USERS):
                problems.append(f"{p} imports the synthetic-data generator (`{path}`)")
    # Strongly connected components (Tarjan): every one with more than one file is a circle.
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    sys.setrecursionlimit(10000)
    for v in sources:
        if v not in index:
            visit(v)
    for comp in comps:
        if len(comp) > 1:
            names = sorted(str(c) for c in comp)
            ties = [
                f"    {a} -> {b}"
                for a in sorted(comp)
                for b in sorted(edges[a])
                if b in comp
            ]
            problems.append("import circle: " + ", ".join(names) + "\n" + "\n".join(ties))
    for p in problems:
        print(p)
    if problems:
        print(f"check_imports: {len(problems)} problem(s)")
        return 1
    n = sum(len(e) for e in edges.values())
    print(f"check_imports: {len(sources)} files, {n} imports, no circle, none over {MAX_LINES} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
