"""Notice texts (Vietnamese) from templates an administrator can edit.

Each notice is a template file ``<kind>.txt``: its first line is the title (the
e-mail's subject), the rest the body. The packaged defaults are in
``handlers/notices/``; a file of the same name in the administrator's folder
(``settings.notices_dir``: ``MOTCUA_NOTICES``, by default ``instance/notices``)
wins. Templates are Jinja in a sandbox: they can print the values a notice
gives them (``{{ code }}``, ``{{ due }}``...) and nothing else.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from engine import Services

PACKAGED = Path(__file__).resolve().parent / "notices"


class NoticeTemplateError(ValueError):
    pass


@lru_cache(maxsize=8)
def _environment(override: Path | None) -> SandboxedEnvironment:
    loaders = [FileSystemLoader(str(override))] if override else []
    loaders.append(FileSystemLoader(str(PACKAGED)))
    return SandboxedEnvironment(loader=ChoiceLoader(loaders), undefined=StrictUndefined, autoescape=False,
                                keep_trailing_newline=False, auto_reload=True)


def render(services: Services, kind: str, values: dict[str, Any]) -> tuple[str, str]:
    """(title, body) of the notice ``kind`` with ``values``."""
    name = f"{kind}.txt"
    override = services.settings.notices_dir
    try:
        text = _environment(override).get_template(name).render(**values)
    except TemplateError as exc:
        where = override / name if override and (override / name).exists() else PACKAGED / name
        raise NoticeTemplateError(f"Mẫu thông báo {where}: {exc}") from exc
    title, _, body = text.strip().partition("\n")
    return title.strip(), body.strip()


def packaged_kinds() -> list[str]:
    return sorted(p.stem for p in PACKAGED.glob("*.txt"))


__all__ = ["NoticeTemplateError", "PACKAGED", "packaged_kinds", "render"]
