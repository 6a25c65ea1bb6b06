"""YAML bombs (issue 12, item 5): each gives a ``file:line:col`` Vietnamese error in well under a second.

The same bounded loader (``engine.definitions.source``) reads every YAML file: ``motcua validate``,
the analyst's workbench, the calendar, forms, units, retention and the importer's output.
"""

from __future__ import annotations

import re
import resource
import time
from pathlib import Path

import pytest

from engine.definitions import SourceError, load_yaml, read_yaml
from engine.definitions.source import DEFAULT_YAML_LIMITS, load_located, read_located
from tests.helpers import WORKFLOWS, run_cli


def billion_laughs() -> str:
    """The classic alias bomb: 9 levels of 9 aliases, 342 bytes, 9^9 (387 million) strings once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


RECURSIVE = "code: '9.990001'\nroute: &r\n  - id: a\n    next: *r\n"


def many_keys(n: int) -> str:
    return "{" + ",".join(f"k{i}: 1" for i in range(n)) + "}"


def refused(text: str, name: str = "bom.yaml") -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        load_located(text, name)
    return str(caught.value), time.perf_counter() - started


def test_billion_laughs_stops_at_the_alias_fast() -> None:
    bomb = billion_laughs()
    assert len(bomb.encode()) < 400
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message, took = refused(bomb)
    assert took < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KB: nothing was expanded
    line = re.match(r"bom\.yaml:(\d+):(\d+): tệp quá nhiều giá trị \(hơn 20\.000 sau khi mở rộng alias\)", message)
    assert line, message
    assert bomb.splitlines()[int(line[1]) - 1][int(line[2]) - 1] == "*"  # the position of the alias that overflows


def test_recursive_alias_is_an_error_not_a_traceback() -> None:
    message, took = refused(RECURSIVE)
    assert took < 1.0
    assert message == "bom.yaml:4:11: alias '*r' tham chiếu vòng tới chính nút chứa nó (alias đệ quy)"


def test_a_million_keys_and_an_oversize_file_are_refused_before_parsing(tmp_path: Path) -> None:
    million = tmp_path / "trieu-khoa.yaml"
    million.write_text("".join(f"k{i}: {i}\n" for i in range(1_000_000)), encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        read_located(million)
    assert time.perf_counter() - started < 1.0
    assert str(caught.value) == f"{million}:1:1: tệp quá lớn: 15.777.780 byte (tối đa 1.048.576 byte)"
    # the same text given directly (the workbench's form field), and a big scalar
    message, took = refused("a: '" + "x" * (DEFAULT_YAML_LIMITS.max_bytes + 1) + "'\n")
    assert took < 1.0 and message.startswith("bom.yaml:1:1: tệp quá lớn: 1.048.583 byte")


def test_many_keys_under_the_size_limit_stop_at_the_count() -> None:
    text = many_keys(30_000)
    assert len(text) < DEFAULT_YAML_LIMITS.max_bytes
    message, took = refused(text)
    assert took < 1.0
    assert re.fullmatch(r"bom\.yaml:1:\d+: tệp quá nhiều giá trị \(hơn 20\.000 sau khi mở rộng alias\); .*", message), message


def test_deep_nesting_is_an_error() -> None:
    for deep in ("[" * 100 + "]" * 100, "[" * 100_000 + "]" * 100_000, "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80))):
        message, took = refused(deep)
        assert took < 1.0
        assert re.match(r"bom\.yaml:\d+:\d+: (cấu trúc lồng quá sâu \(hơn 64 cấp\)|YAML không hợp lệ: exceeded maximum nesting depth)", message), message


def test_ordinary_aliases_and_every_real_file_still_load() -> None:
    assert load_yaml("a: &x {b: 1}\nc: *x\n", "ok.yaml") == {"a": {"b": 1}, "c": {"b": 1}}
    assert load_yaml("", "rong.yaml") is None
    for path in sorted(WORKFLOWS.rglob("*.yaml")):
        assert read_yaml(path) is not None, path


@pytest.mark.parametrize("bomb", ["billion", "recursive", "million", "keys"])
def test_motcua_validate_reports_each_bomb_with_its_position(tmp_path: Path, bomb: str) -> None:
    path = tmp_path / f"{bomb}.yaml"
    text = {"billion": billion_laughs(), "recursive": RECURSIVE, "keys": many_keys(30_000),
            "million": "".join(f"k{i}: {i}\n" for i in range(1_000_000))}[bomb]
    path.write_text(text, encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: (tệp quá|alias)", result.stdout), result.stdout
    took = float(re.search(r"\(([\d.]+) s\)", result.stderr)[1])  # the command's own timing, startup excluded
    assert took < 1.0, result.stderr


def test_one_loader_reads_every_yaml_file() -> None:
    """No module parses YAML behind the bounded loader's back (``yaml.safe_load``, ``yaml.load``, ``yaml.compose``)."""
    import ast

    from tests.helpers import ROOT

    for folder in ("engine", "api", "handlers", "tools"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml":
                    assert node.attr not in {"safe_load", "load", "full_load", "unsafe_load", "compose", "safe_load_all",
                                             "load_all"}, f"{path}:{node.lineno}: yaml.{node.attr}"
