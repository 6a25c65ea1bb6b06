"""Reading an XML file nobody here wrote: its declared encoding, size limits, and no DTD at all.

A BPMN file comes from a modeller or an upload. Before anything parses it:
its size is checked (bytes first, so a 50 MB file is refused without being
read as XML); its encoding is taken from its byte-order mark or its XML
declaration (ISO-8859-1, UTF-16, windows-1258 … anything Python knows) and the
text is kept as Unicode with the declaration rewritten to UTF-8, so lines stay
where they were; a DOCTYPE is refused outright (no external entities, no
entity expansion); nesting depth and the number of elements are bounded.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import unicodedata
from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class Limits:
    """Bounds on one BPMN file (Settings carries the deployment's own)."""

    max_bytes: int = 5_000_000
    max_elements: int = 50_000
    max_depth: int = 100


DEFAULT_LIMITS = Limits()


def limits_from_env() -> Limits:
    """The limits, as MOTCUA_BPMN_MAX_BYTES and MOTCUA_BPMN_MAX_ELEMENTS set them (defaults otherwise)."""
    return Limits(
        max_bytes=int(os.environ.get("MOTCUA_BPMN_MAX_BYTES") or DEFAULT_LIMITS.max_bytes),
        max_elements=int(os.environ.get("MOTCUA_BPMN_MAX_ELEMENTS") or DEFAULT_LIMITS.max_elements),
    )


class XmlFileError(Exception):
    """A file refused before or while parsing; ``line`` when known. The message is Vietnamese."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_DECLARATION = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:\-]+)[\"']")
_TEXT_DECLARATION = re.compile(r"^(\ufeff?<\?xml[^>]*?encoding\s*=\s*)([\"'])[A-Za-z0-9._:\-]+\2")
_FIRST_ELEMENT = re.compile(r"<[^\W\d]")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _encoding(data: bytes) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):  # UTF-16 without a byte-order mark
        return "utf-16-le" if data[0] == 0x3C else "utf-16-be"
    match = _DECLARATION.match(data[:200])
    return match.group(1).decode("ascii") if match else "utf-8"


def decode(data: bytes | str) -> str:
    """The file as text, whatever encoding it declares; its declaration (if any) now says UTF-8."""
    if isinstance(data, bytes):
        name = _encoding(data)
        try:
            codecs.lookup(name)
        except LookupError:
            raise XmlFileError(f"bảng mã '{name}' khai báo trong tệp không được hỗ trợ") from None
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise XmlFileError(f"tệp không đúng bảng mã '{name}' đã khai báo (byte {exc.start})", line) from None
    else:
        text = data
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff"))  # windows-1258 writes tones as combining marks
    return _TEXT_DECLARATION.sub(lambda m: f"{m.group(1)}{m.group(2)}UTF-8{m.group(2)}", text, count=1)


def parse(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> tuple[str, etree._Element]:
    """Check and parse: (the text as UTF-8-declared Unicode, the root element). XmlFileError otherwise."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8"))
    if size > limits.max_bytes:
        raise XmlFileError(f"tệp quá lớn: {size:,} byte (giới hạn {limits.max_bytes:,} byte)".replace(",", "."))
    text = decode(data)
    first = _FIRST_ELEMENT.search(text)
    if re.search(r"<!(DOCTYPE|ENTITY)", text[: first.start() if first else len(text)]):
        raise XmlFileError("tệp có khai báo DOCTYPE/ENTITY: không được phép (thực thể ngoài, bom thực thể)")
    count, depth = 0, 0
    root: etree._Element | None = None
    events = etree.iterparse(
        io.BytesIO(text.encode("utf-8")), events=("start", "end"), resolve_entities=False, no_network=True,
        load_dtd=False, dtd_validation=False, huge_tree=False, remove_comments=False,
    )
    try:  # counted while parsing: an oversize file is refused at its limit, not after the whole parse
        for event, element in events:
            if event == "end":
                depth -= 1
                continue
            if root is None:
                root = element
            count += 1
            depth += 1
            if count > limits.max_elements:
                raise XmlFileError(f"tệp có quá nhiều phần tử (hơn {limits.max_elements:,})".replace(",", "."))
            if depth > limits.max_depth:
                raise XmlFileError(f"phần tử lồng nhau quá sâu (hơn {limits.max_depth} cấp)", element.sourceline or 1)
    except etree.XMLSyntaxError as exc:
        raise XmlFileError(f"không phải XML hợp lệ: {exc.msg}", exc.lineno or 1) from None
    if root is None:
        raise XmlFileError("tệp rỗng")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlFileError("tệp có khai báo DOCTYPE/ENTITY: không được phép (thực thể ngoài, bom thực thể)")
    return text, root
