"""The only expressions a definition may carry: a small language, checked and evaluated without Python's eval.

BPMN conditions, script tasks and timers are text that SpiffWorkflow would run
as Python on the server. Here they are parsed with :mod:`ast` and only these
constructs are accepted:

- names of the route's data (``outcome``, ``variant``, values set by a script), not starting with ``_``;
- constants: strings, numbers, ``True``/``False``/``None``, and lists or tuples of them (for ``in``);
- comparisons ``== != < <= > >= in not in``, boolean logic ``and or not``, ``+ - * / %`` on numbers;
- in a script task, assignments ``name = expression``, one per line.

No calls, attributes, subscripts, comprehensions, lambdas, imports: ``__import__('os')``,
``().__class__.__mro__`` and ``eval(...)`` are refused when the definition is validated and
again if such text ever reaches the evaluator. Timer texts are ISO 8601 (``PT4H``, ``R6/P1D``,
``2026-03-02T08:00:00+07:00``), quoted or not, and are returned as text for SpiffWorkflow's
timer parser. Evaluation walks the tree itself; nothing is compiled.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

MAX_LENGTH = 2000  # characters in one expression or script

_DURATION = r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
_ISO_DURATION = re.compile(rf"^{_DURATION}$")
_ISO_CYCLE = re.compile(r"^R\d*/([^/]+)(/[^/]+)?$")

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Mod: operator.mod,
}
_CONSTANT_TYPES = (str, int, float, bool, type(None))


class ExpressionError(Exception):
    """An expression outside the allowed language, or one that cannot be evaluated; the message is Vietnamese."""


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return "lời gọi hàm"
    if isinstance(node, ast.Attribute):
        return f"truy cập thuộc tính '.{node.attr}'"
    if isinstance(node, ast.Subscript):
        return "truy cập chỉ số [..]"
    if isinstance(node, ast.Name):
        return f"tên '{node.id}'"
    if isinstance(node, ast.Lambda):
        return "lambda"
    if isinstance(node, ast.Import | ast.ImportFrom):
        return "import"
    return f"cấu trúc {type(node).__name__}"


def _check(node: ast.AST) -> None:
    """Raise ExpressionError on anything outside the language."""
    if isinstance(node, ast.Expression):
        _check(node.body)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub | ast.UAdd):
        _check(node.operand)
    elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        _check(node.left)
        for comparator in node.comparators:
            _check(comparator)
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        _check(node.left)
        _check(node.right)
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        if node.id.startswith("_"):
            raise ExpressionError(f"không được dùng tên bắt đầu bằng '_' ('{node.id}')")
    elif isinstance(node, ast.Constant) and isinstance(node.value, _CONSTANT_TYPES):
        pass
    elif isinstance(node, ast.List | ast.Tuple) and isinstance(node.ctx, ast.Load):
        for item in node.elts:
            if not isinstance(item, ast.Constant) or not isinstance(item.value, _CONSTANT_TYPES):
                raise ExpressionError("danh sách chỉ được chứa hằng (chuỗi, số)")
    else:
        raise ExpressionError(
            f"không được dùng {_describe(node)}: biểu thức chỉ gồm tên dữ liệu, hằng, so sánh và and/or/not"
        )


def _parse(text: str, mode: str) -> ast.AST:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"biểu thức dài quá {MAX_LENGTH} ký tự")
    try:
        return ast.parse(text.strip(), mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = getattr(exc, "msg", "") or "cú pháp không hợp lệ"
        raise ExpressionError(f"biểu thức không đúng cú pháp ({reason})") from None


@lru_cache(maxsize=4096)
def check_condition(text: str) -> ast.Expression:
    """Parse a condition or value; ExpressionError when it is outside the language (parsed once per text)."""
    tree = _parse(text, "eval")
    assert isinstance(tree, ast.Expression)
    _check(tree)
    return tree


@lru_cache(maxsize=1024)
def check_script(text: str) -> tuple[tuple[str, ast.Expression], ...]:
    """A script task's assignments, ``name = expression`` each; ExpressionError otherwise."""
    tree = _parse(text, "exec")
    assert isinstance(tree, ast.Module)
    assignments = []
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name)):
            raise ExpressionError(f"kịch bản chỉ được gồm các phép gán 'tên = biểu thức' (dòng {statement.lineno} là {_describe(statement)})")
        name = statement.targets[0].id
        if name.startswith("_"):
            raise ExpressionError(f"không được gán tên bắt đầu bằng '_' ('{name}')")
        expression = ast.Expression(statement.value)
        _check(expression)
        assignments.append((name, expression))
    return tuple(assignments)


def timer_text(text: str) -> str:
    """The ISO 8601 text of a timer (quotes removed); ExpressionError when it is not one."""
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    if _ISO_DURATION.match(value) or _ISO_CYCLE.match(value):
        return value
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ExpressionError(
            f"hẹn giờ '{text.strip()[:60]}' không phải ISO 8601 (ví dụ: PT4H, P1D, R6/P1D, 2026-03-02T08:00:00+07:00)"
        ) from None
    return value


@lru_cache(maxsize=4096)
def is_timer_text(text: str) -> bool:
    try:
        timer_text(text)
    except ExpressionError:
        return False
    return True


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _eval(node: ast.AST, data: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body, data)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id not in data:
            raise ExpressionError(f"dữ liệu '{node.id}' không có trong hồ sơ")
        return data[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(item, data) for item in node.elts]
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result: Any = True
            for value in node.values:
                result = _eval(value, data)
                if not result:
                    return result
            return result
        result = False
        for value in node.values:
            result = _eval(value, data)
            if result:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, data)
        if isinstance(node.op, ast.Not):
            return not operand
        if not _number(operand):
            raise ExpressionError("dấu +/- chỉ dùng với số")
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Compare):
        left = _eval(node.left, data)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, data)
            try:
                if not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:
                raise ExpressionError(f"không so sánh được {type(left).__name__} với {type(right).__name__}") from None
            left = right
        return True
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, data), _eval(node.right, data)
        if not (_number(left) and _number(right)):
            raise ExpressionError("phép tính chỉ dùng với số")
        try:
            return _ARITHMETIC[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ExpressionError("chia cho 0") from None
    raise ExpressionError(f"không được dùng {_describe(node)}")  # unreachable after _check


def evaluate(text: str, data: Mapping[str, Any]) -> Any:
    """The value of a condition (or of a timer text, returned as its ISO 8601 text)."""
    if is_timer_text(text):
        return timer_text(text)
    return _eval(check_condition(text), data)


def execute(text: str, data: dict[str, Any]) -> None:
    """Run a script task's assignments into ``data``."""
    for name, expression in check_script(text):
        data[name] = _eval(expression, data)


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's script-engine hook: every condition, script and timer goes through this module."""

    def __init__(self) -> None:
        super().__init__({})

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        return evaluate(expression, context)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        execute(script, context)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ExpressionError("MotCua không gọi dịch vụ từ quy trình")


def script_engine() -> PythonScriptEngine:
    """The script engine every workflow runs with (never SpiffWorkflow's default, which is Python's eval)."""
    return _ENGINE


_ENGINE = PythonScriptEngine(environment=SafeEnvironment())
