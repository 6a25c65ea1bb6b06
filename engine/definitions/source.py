"""YAML reading that remembers where every value came from.

PyYAML's node tree carries line and column marks; we build plain Python data
from it and keep a map from each value's path (a tuple of keys and indexes) to
its position, so every problem can be reported as ``file:line:column``.
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


class SourceError(Exception):
    """The file cannot be read as YAML at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        value = loader.construct_object(node)
    except ValueError:  # an impossible date such as 2026-02-30: kept as text, the schema names it
        return node.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()  # schemas speak strings; typed later
    return value


def load_located(text: str, file: str) -> Located:
    """Parse YAML text, raising SourceError with a position on any syntax problem."""
    located = Located(file, None)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SourceError(Problem(file, 1, 1, "tệp rỗng"))

        def build(node: yaml.Node, path: Path_) -> Any:
            located.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
            if isinstance(node, yaml.MappingNode):
                result: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        mark = key_node.start_mark
                        raise SourceError(Problem(file, mark.line + 1, mark.column + 1, "khóa phải là chuỗi"))
                    key = _scalar(loader, key_node)
                    key = str(key) if not isinstance(key, str) else key
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
            value = _scalar(loader, node)
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
    finally:
        loader.dispose()
    return located


def read_located(path: Path, display: str | None = None) -> Located:
    """Read and parse a file; unreadable or non-UTF-8 files are a SourceError too."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(Problem(name, 1, 1, f"tệp không phải UTF-8 (byte {exc.start})")) from None
    except OSError as exc:
        raise SourceError(Problem(name, 1, 1, f"không đọc được tệp: {exc.strerror}")) from None
    return load_located(text, name)
