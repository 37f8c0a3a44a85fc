"""Reading a backlink export: bytes -> text (encoding), text -> header and rows (delimiter), cells -> values.

Everything here is pure except :func:`load`, which reads the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

DELIMITERS = ("\t", ",", ";")          # preference order when a header splits equally well on several
_SPACE = re.compile(r"\s+")


class ReadError(Exception):
    """The file cannot be read as a table at all (empty, not text)."""


@dataclass(frozen=True)
class Row:
    line: int                          # physical line the row starts on (1-based)
    end: int                           # line it ends on (a quoted field may span lines)
    cells: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[Row]
    encoding: str
    delimiter: str
    header_line: int = 1
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Loaded:
    table: Table
    sha256: str
    size: int


def read_decoded(path: Path, fail: Callable[[str], Exception]) -> tuple[bytes, str, str, list[str]]:
    """(bytes, text, encoding, warnings) of a text file people export from spreadsheets and SEO tools (see
    :func:`decode`); an unreadable file raises ``fail(reason)``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(str(exc.strerror or exc)) from None
    text, encoding, warnings = decode(data)
    return data, text, encoding, warnings


def load(path: Path) -> Loaded:
    """Read and split one export file (the only I/O of the backlinks parser)."""
    data, text, encoding, warnings = read_decoded(path, lambda why: ReadError(f"cannot read {path}: {why}"))
    table = parse_table(text, encoding)
    table.warnings[:0] = warnings
    return Loaded(table, hashlib.sha256(data).hexdigest(), len(data))


# ---------------------------------------------------------------------------------------------- decoding
def decode(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, warnings): UTF-8 with or without BOM, UTF-16 with a BOM or clearly without one."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[3:], "utf-8-sig")
    if data.startswith(codecs.BOM_UTF16_LE):
        return _decode(data[2:], "utf-16-le")
    if data.startswith(codecs.BOM_UTF16_BE):
        return _decode(data[2:], "utf-16-be")
    guess = _utf16_without_bom(data)
    if guess:
        return _decode(data, guess)
    return _decode(data, "utf-8")


def _decode(data: bytes, encoding: str) -> tuple[str, str, list[str]]:
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    if codec.startswith("utf-16") and len(data) % 2:
        data = data[:-1]
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = _line_at(data, exc.start, codec)
        if codec == "utf-8":
            return (data.decode("cp1252", "replace").lstrip("\ufeff"), "cp1252",
                    [f"line {line}: the file is not UTF-8; read it as Windows-1252"])
        text = data.decode(codec, "replace")
        return text.lstrip("\ufeff"), encoding, [f"line {line}: bytes that are not {encoding} were replaced"]
    return text.lstrip("\ufeff"), encoding, []


def _line_at(data: bytes, offset: int, codec: str) -> int:
    newline = "\n".encode(codec) if codec.startswith("utf-16") else b"\n"
    return data[:offset].count(newline) + 1


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM shows NUL bytes in every other position (ASCII characters)."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even = sum(1 for b in sample[0:2 * half:2] if b == 0)
    odd = sum(1 for b in sample[1:2 * half:2] if b == 0)
    if odd >= 0.4 * half and even <= 0.05 * half:
        return "utf-16-le"
    if even >= 0.4 * half and odd <= 0.05 * half:
        return "utf-16-be"
    return None


# ---------------------------------------------------------------------------------------------- splitting
def clean_header(name: str) -> str:
    """A header cell as people read it: trimmed of whitespace, BOMs and stray quotes."""
    name = name.replace("\ufeff", "").strip().strip("\"'").strip()
    return _SPACE.sub(" ", name)


def sniff_delimiter(line: str) -> str:
    """The delimiter that splits the header line into the most fields (tab, then comma, then semicolon)."""
    best, most = ",", 1
    for d in DELIMITERS:
        n = len(next(csv.reader([line], delimiter=d), []))
        if n > most:
            best, most = d, n
    return best


def parse_table(text: str, encoding: str = "utf-8") -> Table:
    """Split decoded text into a header and rows with their line numbers (blank lines dropped)."""
    text = text.replace("\x00", "")
    lines = text.splitlines()
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None:
        raise ReadError("the file is empty")
    head = lines[first].strip()
    sep_line = head.lower().startswith("sep=") and len(head) == 5   # Excel's "sep=;" hint
    delimiter = head[4] if sep_line else sniff_delimiter(lines[first])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 1
    rows: list[Row] = []
    prev = 0
    try:
        for cells in reader:
            start, prev = prev + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if sep_line:
                sep_line = False
                continue
            if header is None:
                header, header_line = [clean_header(c) for c in cells], start
                continue
            rows.append(Row(start, prev, cells))
    except csv.Error as exc:
        raise ReadError(f"line {reader.line_num}: {exc}") from None
    if header is None:
        raise ReadError("the file has no header line")
    return Table(header, rows, encoding, delimiter, header_line)


# ---------------------------------------------------------------------------------------------- values
_TRUE = {"true", "yes", "y", "1", "+", "x", "t"}
_FALSE = {"false", "no", "n", "0", "-", "f", ""}
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_YMD_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[T ].*)?$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[T ,].*)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[T ,].*)?$")
_EPOCH = re.compile(r"^\d{9,10}(\.\d+)?$")
_TEXT_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y",
                 "%a, %d %b %Y")


def parse_bool(text: str) -> bool:
    """true/false, TRUE, yes/no, 1/0, +/- (Majestic flags), empty = false; ValueError otherwise."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(text)


def parse_number(text: str) -> float | None:
    """A metric: ``54``, ``1,234`` (thousands), ``12,5`` (decimal comma), ``7%``; empty or "-" is None."""
    value = text.strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    if value in ("", "-", "n/a", "N/A", "null", "None"):
        return None
    if _THOUSANDS.match(value):
        value = value.replace(",", "")
    elif _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def slash_order(values: list[str]) -> str | None:
    """Whether the file's ``NN/NN/YYYY`` dates are day-first ("dmy") or month-first ("mdy"), if it shows."""
    dmy = mdy = False
    for v in values:
        m = _SLASH.match(v.strip())
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            dmy |= a > 12 >= b
            mdy |= b > 12 >= a
    if dmy != mdy:
        return "dmy" if dmy else "mdy"
    return None


def parse_date(text: str, order: str | None = None) -> str | None:
    """An ISO date (YYYY-MM-DD) from the styles exports use; empty is None; ValueError when unreadable
    or ambiguous (``03/04/2026`` with no day above 12 anywhere in the file)."""
    value = _SPACE.sub(" ", text.strip())
    if not value or value in ("-", "n/a", "N/A", "null", "None", "never"):
        return None
    for pattern in (_ISO, _YMD_SLASH):
        m = pattern.match(value)
        if m:
            return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DOTTED.match(value)
    if m:
        return _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = _SLASH.match(value)
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a == b or a > 12 or (order == "dmy" and b <= 12):
            return _iso(year, b, a)
        if b > 12 or order == "mdy":
            return _iso(year, a, b)
        raise ValueError(f"{text} (day and month ambiguous)")
    if _EPOCH.match(value):
        return datetime.fromtimestamp(float(value), UTC).date().isoformat()
    text_date = value.split(" at ")[0].rstrip(".")
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(text_date, fmt).date().isoformat()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        raise ValueError(text) from None


def _iso(year: int, month: int, day: int) -> str:
    return date(year, month, day).isoformat()
