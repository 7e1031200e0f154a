"""Readers for annotation files that report bad input by file and line.

Every loader goes through these helpers, so a malformed file always fails
with ``AnnotationError('<path>, line <n>: <what is wrong>')`` (JSON files
that are not line-based name the entry instead, e.g. ``sentences[12]``).
Text is read as UTF-8 (a byte-order mark is allowed); a file in another
encoding fails on the first line that is not UTF-8, with the fix to apply.
"""
import csv
import json
import os.path as osp
from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union


class AnnotationError(ValueError):
    """A malformed annotation file; the message names the file and place."""

    def __init__(self, path: str, where: str, message: str):
        super().__init__(f'{path}, {where}: {message}')


def join_root(path: str, root: str) -> str:
    """``path`` under ``root`` unless it is absolute; '' means ``root``."""
    if not root or osp.isabs(path):
        return path
    return osp.join(root, path) if path else root


def not_utf8_error(path: str, err: UnicodeDecodeError) -> AnnotationError:
    """An ``AnnotationError`` naming the first line of ``path`` that is not
    UTF-8, and how to convert the file."""
    with open(path, 'rb') as f:
        for line_number, line in enumerate(f, start=1):
            try:
                line.decode('utf-8')
            except UnicodeDecodeError as line_err:
                where, reason = f'line {line_number}', (
                    f'byte {line_err.start + 1} of the line is '
                    f'{line[line_err.start:line_err.start + 1]!r}')
                break
        else:  # only reached if the decoder and this scan disagree
            where, reason = 'somewhere', str(err)
    return AnnotationError(
        path, where, f'the file is not UTF-8 ({reason}). Convert it, e.g. '
        f'`iconv -f latin1 -t utf-8 {osp.basename(path)} > utf8.csv` (use '
        'the encoding it was saved in), or re-save it as UTF-8')


def check_text(value: Any, path: str, where: str, what: str) -> str:
    """Return ``value`` if it is a string with a non-blank character.

    Raises ``AnnotationError`` naming ``what`` (e.g. ``'caption'``,
    ``'video id'``) otherwise, so that a ``null``, a number, a list or an
    empty caption is refused when the file is read, not in the tokenizer.
    """
    if not isinstance(value, str):
        raise AnnotationError(
            path, where, f'the {what} must be a string, got '
            f'{type(value).__name__} {value!r:.60}')
    if not value.strip():
        raise AnnotationError(path, where, f'the {what} is empty')
    return value


def read_lines(path: str) -> Iterator[Tuple[int, str]]:
    """Yield ``(line_number, line)`` for the non-blank lines of a text file.

    Line numbers are 1-based; the trailing newline is removed, other
    whitespace is kept (tab-separated files need it).
    """
    with open(path, encoding='utf-8-sig') as f:
        try:
            for line_number, line in enumerate(f, start=1):
                line = line.rstrip('\r\n')
                if line.strip():
                    yield line_number, line
        except UnicodeDecodeError as err:
            raise not_utf8_error(path, err) from None


def read_id_list(path: str) -> List[str]:
    """One id per non-blank line (e.g. VATEX or DiDeMo split lists)."""
    return [line.strip() for _, line in read_lines(path)]


def read_csv_rows(
        path: str,
        required: Sequence[str],
        delimiter: str = ',',
        multiline_fields: bool = False) -> Iterator[Tuple[int, dict]]:
    """Yield ``(line_number, row)`` for each record of a csv with a header.

    ``line_number`` is the line on which the record starts. Quoting is
    strict: a quote that is never closed fails with the line on which it
    opens, instead of swallowing the rest of the file into one field.
    Unless ``multiline_fields``, a record spanning several lines (a quoted
    field with a line break, nearly always a forgotten closing quote) is an
    error too. Raises ``AnnotationError`` if the header lacks a column of
    ``required`` or a record has more or fewer fields than the header.
    """
    with open(path, encoding='utf-8-sig', newline='') as f:
        reader = csv.DictReader(f, delimiter=delimiter, strict=True)
        start = 1
        try:
            header = reader.fieldnames or []
            missing = [name for name in required if name not in header]
            if missing:
                raise AnnotationError(
                    path, 'line 1',
                    f'header {header} lacks the column(s) {missing}')
            start = reader.line_num + 1
            for row in reader:
                _check_record(path, reader, row, header, start,
                              multiline_fields)
                yield start, row
                start = reader.line_num + 1
        except csv.Error as err:
            line = _open_quote_line(path, start, delimiter) or start
            raise AnnotationError(
                path, f'line {line}',
                f'malformed quoting ({err}): a quoted field opens here and is '
                'not closed properly; close it, and write a quote inside a '
                'quoted field as two quotes ("")') from None
        except UnicodeDecodeError as err:
            raise not_utf8_error(path, err) from None


def _check_record(path: str, reader: csv.DictReader, row: dict,
                  header: List[str], start: int,
                  multiline_fields: bool) -> None:
    if None in row:  # DictReader keeps surplus fields under None
        got = len(header) + len(row[None])
    else:  # and fills missing ones with None
        got = sum(value is not None for value in row.values())
    if got != len(header):
        raise AnnotationError(
            path, f'line {start}',
            f'expected {len(header)} fields {header}, got {got}')
    if not multiline_fields and reader.line_num != start:
        raise AnnotationError(
            path, f'line {start}',
            f'a quoted field opens on this line and runs to line '
            f'{reader.line_num}; fields of this file cannot span lines, so '
            'a closing quote is probably missing')


def _open_quote_line(path: str, first_line: int,
                     delimiter: str) -> Optional[int]:
    """The first line, from ``first_line`` on, that ends inside a quoted
    field (where a quote that is never closed opens), or ``None``."""
    with open(path, encoding='utf-8-sig', errors='replace', newline='') as f:
        lines = f.readlines()[first_line - 1:]
    in_quotes, field_start = False, True
    for offset, line in enumerate(lines):
        text, i = line.rstrip('\r\n'), 0
        while i < len(text):
            char = text[i]
            if in_quotes and char == '"':
                if text[i + 1:i + 2] == '"':
                    i += 1  # an escaped quote
                else:
                    in_quotes = False
            elif not in_quotes:
                if char == '"' and field_start:
                    in_quotes, open_line = True, first_line + offset
                field_start = char == delimiter
            i += 1
        if in_quotes:
            return open_line
        field_start = True
    return None


def load_json(path: str, expected_type: Union[type, Tuple[type, ...]]) -> Any:
    """Parse a JSON file and check the type(s) of its top-level value."""
    with open(path, encoding='utf-8-sig') as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as err:
            raise AnnotationError(path, f'line {err.lineno}',
                                  f'invalid JSON: {err.msg}') from err
        except UnicodeDecodeError as err:
            raise not_utf8_error(path, err) from None
    if not isinstance(data, expected_type):
        types = expected_type if isinstance(expected_type,
                                            tuple) else (expected_type, )
        expected = ' or '.join(t.__name__ for t in types)
        raise AnnotationError(
            path, 'top level', f'expected a JSON {expected}, got '
            f'{type(data).__name__}')
    return data


def require_keys(entry: Any, keys: Sequence[str], path: str,
                 where: str) -> None:
    """Raise ``AnnotationError`` unless ``entry`` is a dict with ``keys``."""
    if not isinstance(entry, dict):
        raise AnnotationError(path, where,
                              f'expected an object, got {entry!r:.80}')
    missing = [key for key in keys if key not in entry]
    if missing:
        raise AnnotationError(path, where, f'missing key(s) {missing}')
