"""The mutation report of ``./dev mutate``: per file of the mutated sources, from mutmut 3's results.

    python .ci/mutation_report.py [--threshold 90] [--survivors] [--diffs] [--reset-undetected]

Reads what ``mutmut run`` left under ``mutants/`` (``<file>.meta``: the exit code of each mutant;
``<file>``: the mutated module holding every mutant as a function beside ``…__mutmut_orig``) and
prints, per file: the mutants, how many the tests killed and how many survived, the score, and the
score without the mutants that only change the text of a message.

A mutant is *message-only* when everything it changes lies inside the text of a message: an
argument that becomes the message of a raised exception (``RuleViolation(rule, detail)``,
``InvalidField(name, reason)``, ``Ineligible(condition, detail)``, ``NotFound(what, detail)``,
``Forbidden(detail)``, ``ValueError(message)``), the ``detail`` of an ``Eligibility`` (it becomes
the ``Ineligible`` detail), or an argument of a function of the same module whose parameter ends
up only in such messages (``what`` of ``Trajectory._check_step``), or a local variable used only
there. The rule names, field names and conditions are not messages: clients branch on them.

Killed counts mutants the tests detected (failed, timed out, crashed); survived counts the rest
(survived, or no test reaches the mutated function). It exits 1 when a gated file (``GATED``)
scores below the threshold without its message-only mutants, 2 when there are no results.

``--survivors`` lists the surviving mutants that change more than a message, ``--diffs`` shows
their diffs; ``--reset-undetected`` marks every mutant not killed as unchecked, so that the next
``mutmut run`` tests them again against the current tests (``./dev mutate --again``).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MUTANTS = Path("mutants")

# The files whose score (message-only mutants left out) gates the run.
GATED = (
    "domain/trajectory.py",
    "domain/money.py",
    "domain/payments.py",
    "domain/savings.py",
    "domain/reports.py",
    "domain/financing.py",
    "domain/terms.py",
    "domain/access.py",
)

# Exit codes of mutmut 3 (mutmut.stats.status_by_exit_code), as detected or not.
KILLED = {1, 3, 36, 37, -24, 24, 152, 255, -11, -9}  # killed, timeout, caught by type check, segfault
SURVIVED = {0, 5, 33, 35}  # survived, no tests, suspicious
# Anything else (None: not checked, 34: skipped, 2: interrupted) is counted as unchecked.

# Exception classes (and the like) whose argument at this position, or with this keyword, is
# the message text.
MESSAGE_ARGUMENTS: dict[str, tuple[int | None, str]] = {
    "RuleViolation": (1, "detail"),
    "InvalidField": (1, "reason"),
    "Ineligible": (1, "detail"),
    "NotFound": (1, "detail"),
    "Forbidden": (0, "detail"),
    "ValueError": (0, "message"),
    "Eligibility": (None, "detail"),  # not raised: its detail becomes the Ineligible detail
}


# -- which parts of a module are message text ------------------------------------------------------


@dataclass
class Function:
    node: ast.FunctionDef
    class_name: str | None
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        args = self.node.args
        names = [a.arg for a in (*args.posonlyargs, *args.args)]
        decorators = {d.id for d in self.node.decorator_list if isinstance(d, ast.Name)}
        if self.class_name is not None and "staticmethod" not in decorators and names:
            names = names[1:]  # self or cls
        return names

    @property
    def keyword_only(self) -> list[str]:
        return [a.arg for a in self.node.args.kwonlyargs]


def _functions(module: ast.Module) -> Iterator[Function]:
    for node in module.body:
        if isinstance(node, ast.FunctionDef):
            yield Function(node, None)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    yield Function(item, node.name)


def _parents(root: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(root) for child in ast.iter_child_nodes(parent)}


def _callee_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) and call.func.value.id in ("self", "cls"):
        return call.func.attr
    return None


class MessageAnalysis:
    """Which parameters of a module's functions end up only in message text (a fixpoint)."""

    def __init__(self, module: ast.Module):
        self.functions: dict[str, Function] = {}  # by name: how a call in the module names it
        self.by_owner: dict[tuple[str | None, str], Function] = {}
        for function in _functions(module):
            function.parents = _parents(function.node)
            self.functions.setdefault(function.node.name, function)
            self.by_owner[(function.class_name, function.node.name)] = function
        self.message_parameters: dict[str, set[str]] = {name: set() for name in self.functions}
        self._solve()
        self._locals: dict[int, set[str]] = {}  # per function, once the parameters are known

    def _solve(self) -> None:
        changed = True
        while changed:
            changed = False
            for name, function in self.functions.items():
                found = self._message_names(function) & set(function.parameters + function.keyword_only)
                if found - self.message_parameters[name]:
                    self.message_parameters[name] |= found
                    changed = True

    def _is_message_slot(self, node: ast.AST, parent: ast.AST, function: Function, message_locals: set[str]) -> bool:
        """Is ``node``, a direct child of ``parent``, an expression whose value is only message text?"""
        if isinstance(parent, ast.keyword):
            call = function.parents.get(parent)
            if not isinstance(call, ast.Call):
                return False
            return self._is_message_argument(call, None, parent.arg)
        if isinstance(parent, ast.Call) and node in parent.args:
            return self._is_message_argument(parent, parent.args.index(node), None)
        if isinstance(parent, ast.Assign) and node is parent.value:
            return all(isinstance(t, ast.Name) and t.id in message_locals for t in parent.targets)
        return False

    def _is_message_argument(self, call: ast.Call, index: int | None, keyword: str | None) -> bool:
        name = _callee_name(call)
        if name is None:
            return False
        if name in MESSAGE_ARGUMENTS:
            position, word = MESSAGE_ARGUMENTS[name]
            return (index is not None and index == position) or (keyword is not None and keyword == word)
        callee = self.functions.get(name)
        if callee is None:
            return False
        if index is not None:
            if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]) or index >= len(callee.parameters):
                return False
            parameter = callee.parameters[index]
        else:
            parameter = keyword or ""
        return parameter in self.message_parameters[name]

    def in_message(self, node: ast.AST, function: Function, message_locals: set[str] | None = None) -> bool:
        """Does ``node`` lie inside (or is it) message text of ``function``?"""
        if message_locals is None:
            if id(function.node) not in self._locals:
                self._locals[id(function.node)] = self._message_locals(function)
            message_locals = self._locals[id(function.node)]
        current = node
        while current is not function.node:
            parent = function.parents.get(current)
            if parent is None or isinstance(current, ast.stmt):
                return False
            if self._is_message_slot(current, parent, function, message_locals):
                return True
            current = parent
        return False

    def _loads(self, function: Function) -> dict[str, list[ast.Name]]:
        loads: dict[str, list[ast.Name]] = {}
        for node in ast.walk(function.node):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                loads.setdefault(node.id, []).append(node)
        return loads

    def _message_locals(self, function: Function) -> set[str]:
        """Local variables (not parameters) assigned once by name and read only in messages."""
        assigned: dict[str, int] = {}
        for node in ast.walk(function.node):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                assigned[node.id] = assigned.get(node.id, 0) + 1
        plain = {
            t.id
            for node in ast.walk(function.node)
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name) and len(node.targets) == 1
        }
        candidates = {name for name, count in assigned.items() if count == 1 and name in plain}
        loads = self._loads(function)
        result: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name in candidates - result:
                uses = loads.get(name, [])
                if uses and all(self.in_message(use, function, result) for use in uses):
                    result.add(name)
                    changed = True
        return result

    def _message_names(self, function: Function) -> set[str]:
        message_locals = self._message_locals(function)
        names = set()
        for name, uses in self._loads(function).items():
            if uses and all(self.in_message(use, function, message_locals) for use in uses):
                names.add(name)
        return names


# -- what a mutant changes -------------------------------------------------------------------------


Change = tuple[ast.AST, ast.AST]


def _differences(a: object, b: object) -> list[Change] | None:
    """The smallest nodes of ``a`` that differ from ``b``, each with its counterpart in ``b``; None
    when ``a`` and ``b`` are no nodes and differ (a name, a number, a list of another length): then
    their parent node is what differs."""
    if isinstance(a, ast.AST):
        if type(a) is not type(b):
            return [(a, b)]  # type: ignore[list-item]
        found: list[Change] = []
        for name in a._fields:
            inner = _differences(getattr(a, name, None), getattr(b, name, None))
            if inner is None:
                return [(a, b)]  # type: ignore[list-item]
            found.extend(inner)
        return found
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return None
        found = []
        for x, y in zip(a, b, strict=True):
            inner = _differences(x, y)
            if inner is None:
                return None
            found.extend(inner)
        return found
    return [] if type(a) is type(b) and a == b else None


def _is_message_change(analysis: MessageAnalysis, function: Function, change: Change) -> bool:
    """Does this change alter only message text: inside a message, or dropping the keyword argument
    that is the message (``Eligibility(unmet=…, detail=…)`` to ``Eligibility(unmet=…)``)?"""
    original, mutant = change
    if analysis.in_message(original, function):
        return True
    if not (isinstance(original, ast.Call) and isinstance(mutant, ast.Call)):
        return False
    if ast.dump(original.func) != ast.dump(mutant.func) or [ast.dump(a) for a in original.args] != [ast.dump(a) for a in mutant.args]:
        return False
    kept = [ast.dump(k) for k in mutant.keywords]
    for index, keyword in enumerate(original.keywords):
        rest = [ast.dump(k) for i, k in enumerate(original.keywords) if i != index]
        if rest == kept:
            return analysis._is_message_argument(original, None, keyword.arg)
    return False


@dataclass
class FileResult:
    path: str
    exit_codes: dict[str, int | None]
    message_only: set[str]
    mutated_source: list[str]
    spans: dict[str, tuple[int, int]]

    def count(self, codes: set[int], *, without_messages: bool = False) -> int:
        return sum(
            1
            for key, code in self.exit_codes.items()
            if code in codes and not (without_messages and key in self.message_only)
        )

    def total(self, *, without_messages: bool = False) -> int:
        return sum(1 for key in self.exit_codes if not (without_messages and key in self.message_only))

    def score(self, *, without_messages: bool = False) -> float | None:
        total = self.total(without_messages=without_messages)
        return 100.0 * self.count(KILLED, without_messages=without_messages) / total if total else None

    def unchecked(self) -> int:
        return sum(1 for code in self.exit_codes.values() if code not in KILLED | SURVIVED)

    def survivors(self) -> list[str]:
        return sorted(
            (k for k, code in self.exit_codes.items() if code in SURVIVED and k not in self.message_only),
            key=_natural,
        )

    def diff(self, key: str) -> str:
        local = key.rsplit(".", 1)[1]
        original = local.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"
        if local not in self.spans or original not in self.spans:
            return "    (no diff: the mutated file has no such function)"

        def lines(name: str) -> list[str]:
            start, end = self.spans[name]
            text = self.mutated_source[start - 1 : end]
            return [line.replace(name, "FUNCTION") for line in text]

        diff = difflib.unified_diff(lines(original), lines(local), lineterm="", n=1)
        return "\n".join("    " + line.rstrip("\n") for line in list(diff)[2:])


def _natural(key: str) -> tuple[str, int]:
    head, _, number = key.rpartition("__mutmut_")
    return head, int(number) if number.isdigit() else -1


def _source_paths() -> list[Path]:
    config = tomllib.loads(Path("pyproject.toml").read_text("utf-8"))
    return [Path(p) for p in config.get("tool", {}).get("mutmut", {}).get("source_paths", ["domain"])]


def _source_files() -> Iterator[Path]:
    for root in _source_paths():
        if root.is_file():
            yield root
        else:
            yield from sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def load(path: Path) -> FileResult | None:
    meta_path = MUTANTS / f"{path}.meta"
    if not meta_path.exists():
        return None
    exit_codes: dict[str, int | None] = json.loads(meta_path.read_text("utf-8"))["exit_code_by_key"]
    mutated_path = MUTANTS / path
    mutated_text = mutated_path.read_text("utf-8")
    spans_path = MUTANTS / f"{path}.spans"
    spans = {}
    if spans_path.exists():
        spans = {name: (s, e) for name, (s, e) in json.loads(spans_path.read_text("utf-8"))["spans"].items()}
    result = FileResult(str(path), exit_codes, set(), mutated_text.splitlines(keepends=True), spans)
    if not exit_codes:
        return result

    analysis = MessageAnalysis(ast.parse(path.read_text("utf-8")))
    generated = {node.node.name: node.node for node in _functions(ast.parse(mutated_text))}
    unchanged: dict[str, bool] = {}  # per function: is the unmutated copy the source's function still?
    for key in exit_codes:
        local = key.rsplit(".", 1)[1]
        head = local.rsplit("__mutmut_", 1)[0]
        if "ǁ" in head:
            _, owner, name = head.split("ǁ")
        else:
            owner, name = None, head.removeprefix("x_")
        original, mutant = generated.get(head + "__mutmut_orig"), generated.get(local)
        function = analysis.by_owner.get((owner, name))
        if original is None or mutant is None or function is None:
            continue
        # The unmutated copy has the source's body: find the changed nodes in the source's function.
        source_body = function.node
        if head not in unchanged:
            unchanged[head] = ast.dump(original.args) == ast.dump(source_body.args) and ast.dump(
                ast.Module(original.body, [])
            ) == ast.dump(ast.Module(source_body.body, []))
        if not unchanged[head]:
            continue  # the source changed since the mutants were made: say nothing about it
        changed = _differences(source_body.body, mutant.body)
        if changed and all(_is_message_change(analysis, function, change) for change in changed):
            result.message_only.add(key)
    return result


# -- the report --------------------------------------------------------------------------------------


def reset_undetected(results: list[FileResult]) -> int:
    count = 0
    for result in results:
        meta_path = MUTANTS / f"{result.path}.meta"
        meta = json.loads(meta_path.read_text("utf-8"))
        for key, code in meta["exit_code_by_key"].items():
            if code is not None and code not in KILLED:
                meta["exit_code_by_key"][key] = None
                count += 1
        meta_path.write_text(json.dumps(meta, indent=4), "utf-8")
    return count


def _percent(value: float | None) -> str:
    return "     -" if value is None else f"{value:5.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threshold", type=float, default=90.0, help="minimum score of a gated file, message-only left out")
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants that change more than a message")
    parser.add_argument("--diffs", action="store_true", help="with the survivors, their diffs")
    parser.add_argument("--reset-undetected", action="store_true", help="mark the mutants not killed as unchecked, and stop")
    parser.add_argument("files", nargs="*", help="only these files (default: every mutated file)")
    args = parser.parse_args(argv)

    paths = [p for p in _source_files() if not args.files or str(p) in args.files]
    results = [r for r in (load(p) for p in paths) if r is not None and r.exit_codes]
    if not results:
        print("no mutation results under mutants/: run `./dev mutate` first", file=sys.stderr)
        return 2
    missing = [str(p) for p in paths if str(p) in GATED and str(p) not in {r.path for r in results}]
    if args.reset_undetected:
        print(f"{reset_undetected(results)} mutants not killed will be tested again")
        return 0

    header = f"{'file':<24} {'mutants':>7} {'killed':>7} {'survived':>8} {'score':>7}   {'message-only':>12} {'score w/o messages':>19}"
    print(header)
    print("-" * len(header))
    failing = list(missing)
    for path in missing:
        print(f"{path:<24} no mutation results  < gate")
    totals = {"mutants": 0, "killed": 0, "survived": 0, "messages": 0, "rest": 0, "rest_killed": 0}
    for r in results:
        gated = r.path in GATED
        without = r.score(without_messages=True)
        mark = ""
        if gated and (without is None or without < args.threshold) and r.total(without_messages=True):
            failing.append(r.path)
            mark = "  < gate"
        elif gated:
            mark = "  gated"
        unchecked = r.unchecked()
        if unchecked:
            mark += f"  ({unchecked} unchecked)"
            if gated:
                failing.append(r.path)
        print(
            f"{r.path:<24} {r.total():>7} {r.count(KILLED):>7} {r.count(SURVIVED):>8} {_percent(r.score()):>7}"
            f"   {len(r.message_only):>12} {_percent(without):>19}{mark}"
        )
        totals["mutants"] += r.total()
        totals["killed"] += r.count(KILLED)
        totals["survived"] += r.count(SURVIVED)
        totals["messages"] += len(r.message_only)
        totals["rest"] += r.total(without_messages=True)
        totals["rest_killed"] += r.count(KILLED, without_messages=True)
    print("-" * len(header))
    all_score = 100.0 * totals["killed"] / totals["mutants"] if totals["mutants"] else None
    rest_score = 100.0 * totals["rest_killed"] / totals["rest"] if totals["rest"] else None
    print(
        f"{'all':<24} {totals['mutants']:>7} {totals['killed']:>7} {totals['survived']:>8} {_percent(all_score):>7}"
        f"   {totals['messages']:>12} {_percent(rest_score):>19}"
    )

    if args.survivors or args.diffs:
        for r in results:
            survivors = r.survivors()
            if not survivors:
                continue
            print(f"\n{r.path}: {len(survivors)} surviving mutants that change more than a message")
            for key in survivors:
                status = "no tests" if r.exit_codes[key] in (5, 33) else "survived"
                print(f"  {key} ({status})")
                if args.diffs:
                    print(r.diff(key))

    if failing:
        print(
            f"\nbelow {args.threshold:g}% without message-only mutants (or not fully checked): {', '.join(sorted(set(failing)))}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
