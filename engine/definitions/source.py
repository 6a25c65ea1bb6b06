"""YAML reading that remembers where every value came from: the one loader of every YAML file.

PyYAML's node tree carries line and column marks; we build plain Python data
from it and keep a map from each value's path (a tuple of keys and indexes) to
its position, so every problem can be reported as ``file:line:column``.

Definition files come from people (the analyst's workbench, a pull request), so
the loader is bounded (:class:`YamlLimits`): a file size, a number of values
*after* alias expansion (a 368-byte "billion laughs" would otherwise build
billions of values), a nesting depth, and no alias to a node that is still
open (a recursive alias). The bounds are checked on PyYAML's event stream
before any node is built, so each bomb stops in milliseconds with the position
of the offending alias or value. Every YAML file of the project (procedures,
decisions, calendar, forms, units, retention, the importer's output) is read
through :func:`load_located` / :func:`read_yaml`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..textcheck import problem

try:  # the C loader is several times faster; fall back when libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader

Path_ = tuple[str | int, ...]
EMPTY = "tệp rỗng"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of the validator: ``path:line:column: message``."""

    file: str
    line: int
    column: int
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "cảnh báo: "
        return f"{self.file}:{self.line}:{self.column}: {tag}{self.message}"


@dataclass
class Located:
    """YAML data plus the position of each value (and of each mapping key)."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``; of its key if asked; else of the nearest parent."""
        if key and path in self.key_marks:
            return self.key_marks[path]
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, (1, 1))

    def problem(self, path: Path_, message: str, *, key: bool = False, severity: str = "error") -> Problem:
        line, column = self.at(path, key=key)
        return Problem(self.file, line, column, message, severity)


@dataclass(frozen=True)
class YamlLimits:
    """Bounds of one YAML file (the largest real file, units.yaml, is ~15 KB and ~900 values; 20,000 values parse in ~0.3 s)."""

    max_bytes: int = 1024 * 1024
    max_values: int = 20_000  # scalars, mappings and sequences (keys included), aliases expanded
    max_depth: int = 64


DEFAULT_YAML_LIMITS = YamlLimits()


class SourceError(Exception):
    """The file cannot be read as YAML at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode, typed: bool = False) -> Any:
    try:
        value = loader.construct_object(node)
    except ValueError:  # an impossible date such as 2026-02-30: kept as text, the schema names it
        return node.value
    if not typed and isinstance(value, dt.datetime | dt.date):
        return value.isoformat()  # schemas speak strings; typed later
    return value


def _where(file: str, mark: Any, message: str) -> SourceError:
    return SourceError(Problem(file, mark.line + 1, mark.column + 1, message) if mark else Problem(file, 1, 1, message))


def _check_bounds(text: str, file: str, limits: YamlLimits) -> None:
    """Walk the event stream once (no nodes built) and refuse a file past ``limits`` at the culprit's position.

    Each anchor's expanded size and height are remembered, so an alias costs what
    its expansion would cost; an alias to an anchor whose collection is still open
    is a recursive alias.
    """
    loader = _Loader(text)
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) once expanded
    open_anchors: set[str] = set()
    stack: list[list[Any]] = []  # [values, height, anchor] of each open collection
    total = 0

    def add(values: int, height: int, mark: Any) -> None:
        nonlocal total
        total += values
        if total > limits.max_values:
            raise _where(file, mark, f"tệp quá nhiều giá trị (hơn {limits.max_values:,} sau khi mở rộng alias); "
                                     "tách tệp hoặc bỏ alias lồng nhau".replace(",", "."))
        if len(stack) + height > limits.max_depth:
            raise _where(file, mark, f"cấu trúc lồng quá sâu (hơn {limits.max_depth} cấp)")
        if stack:
            stack[-1][0] += values
            stack[-1][1] = max(stack[-1][1], height + 1)

    try:
        while loader.check_event():
            event = loader.get_event()
            mark = event.start_mark
            if isinstance(event, yaml.ScalarEvent):
                add(1, 1, mark)
                if event.anchor:
                    sizes[event.anchor] = (1, 1)
            elif isinstance(event, yaml.CollectionStartEvent):
                add(1, 1, mark)
                stack.append([1, 1, event.anchor])
                if event.anchor:
                    open_anchors.add(event.anchor)
            elif isinstance(event, yaml.CollectionEndEvent):
                values, height, anchor = stack.pop()
                if anchor:
                    sizes[anchor] = (values, height)
                    open_anchors.discard(anchor)
                if stack:  # the collection itself was counted at its start; its height grows the parent's
                    stack[-1][0] += values - 1
                    stack[-1][1] = max(stack[-1][1], height + 1)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    raise _where(file, mark, f"alias '*{event.anchor}' tham chiếu vòng tới chính nút chứa nó (alias đệ quy)")
                values, height = sizes.get(event.anchor, (1, 1))  # an undefined alias: the composer names it
                add(values, height, mark)
    finally:
        loader.dispose()


def load_located(text: str, file: str, limits: YamlLimits = DEFAULT_YAML_LIMITS, *, typed: bool = False) -> Located:
    """Parse YAML text within ``limits``, raising SourceError with a position on any problem.

    Dates stay text (the schemas speak strings) unless ``typed`` (then as ``yaml.safe_load`` gives them).
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise SourceError(Problem(file, 1, 1, f"tệp quá lớn: {size:,} byte (tối đa {limits.max_bytes:,} byte)".replace(",", ".")))
    located = Located(file, None)
    loader = None
    try:
        _check_bounds(text, file, limits)
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise SourceError(Problem(file, 1, 1, EMPTY))

        def build(node: yaml.Node, path: Path_) -> Any:
            located.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
            if isinstance(node, yaml.MappingNode):
                result: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        mark = key_node.start_mark
                        raise SourceError(Problem(file, mark.line + 1, mark.column + 1, "khóa phải là chuỗi"))
                    key = _scalar(loader, key_node, typed)
                    key = str(key) if not (typed or isinstance(key, str)) else key
                    wrong_key = problem(key, free=False) if isinstance(key, str) else None
                    if wrong_key:  # a key is text stored too (engine/textcheck.py)
                        mark = key_node.start_mark
                        raise SourceError(Problem(file, mark.line + 1, mark.column + 1, f"khóa {wrong_key}"))
                    if key in result:
                        mark = key_node.start_mark
                        raise SourceError(
                            Problem(file, mark.line + 1, mark.column + 1, f"khóa '{key}' bị lặp lại")
                        )
                    located.key_marks[path + (key,)] = (
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                    result[key] = build(value_node, path + (key,))
                return result
            if isinstance(node, yaml.SequenceNode):
                return [build(item, path + (i,)) for i, item in enumerate(node.value)]
            value = _scalar(loader, node, typed)
            wrong = problem(value, free=True) if isinstance(value, str) else None
            if wrong:  # a quoted "\0" or "\ud800": text no database keeps (engine/textcheck.py)
                mark = node.start_mark
                raise SourceError(Problem(file, mark.line + 1, mark.column + 1, f"giá trị {wrong}"))
            return value

        located.data = build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "YAML không hợp lệ"
        raise SourceError(Problem(file, line, column, f"YAML không hợp lệ: {reason}")) from None
    except yaml.YAMLError as exc:
        raise SourceError(Problem(file, 1, 1, f"YAML không hợp lệ: {exc}")) from None
    except RecursionError:  # a backstop: the bounds above keep the build far from Python's limit
        raise SourceError(Problem(file, 1, 1, "cấu trúc lồng quá sâu hoặc alias đệ quy")) from None
    finally:
        if loader is not None:
            loader.dispose()
    return located


def read_located(path: Path, display: str | None = None, limits: YamlLimits = DEFAULT_YAML_LIMITS, *,
                 typed: bool = False) -> Located:
    """Read and parse a file; unreadable, oversize or non-UTF-8 files are a SourceError too."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:  # refused before it is read
            raise SourceError(Problem(name, 1, 1, f"tệp quá lớn: {size:,} byte (tối đa {limits.max_bytes:,} byte)".replace(",", ".")))
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(Problem(name, 1, 1, f"tệp không phải UTF-8 (byte {exc.start})")) from None
    except OSError as exc:
        raise SourceError(Problem(name, 1, 1, f"không đọc được tệp: {exc.strerror}")) from None
    return load_located(text, name, limits, typed=typed)


def load_yaml(text: str, file: str, limits: YamlLimits = DEFAULT_YAML_LIMITS) -> Any:
    """Plain data of YAML text through the bounded loader (an empty text is None; dates typed, as ``safe_load``)."""
    if not text.strip():
        return None
    return load_located(text, file, limits, typed=True).data


def read_yaml(path: Path, display: str | None = None, limits: YamlLimits = DEFAULT_YAML_LIMITS) -> Any:
    """Plain data of a YAML file through the bounded loader (an empty file is None)."""
    try:
        return read_located(path, display, limits, typed=True).data
    except SourceError as exc:
        if exc.problem.message == EMPTY:
            return None
        raise
