"""Readers for annotation files that report bad input by file and line.

Every loader goes through these helpers, so a malformed file always fails
with ``AnnotationError('<path>, line <n>: <what is wrong>')``.
"""
import csv
import json
import os.path as osp
from typing import Any, Iterator, List, Sequence, Tuple, Union


class AnnotationError(ValueError):
    """A malformed annotation file; the message names the file and place."""

    def __init__(self, path: str, where: str, message: str):
        super().__init__(f'{path}, {where}: {message}')


def join_root(path: str, root: str) -> str:
    """``path`` under ``root`` unless it is absolute; '' means ``root``."""
    if not root or osp.isabs(path):
        return path
    return osp.join(root, path) if path else root


def read_lines(path: str) -> Iterator[Tuple[int, str]]:
    """Yield ``(line_number, line)`` for the non-blank lines of a text file.

    Line numbers are 1-based; the trailing newline is removed, other
    whitespace is kept (tab-separated files need it).
    """
    with open(path, encoding='utf-8-sig') as f:
        for line_number, line in enumerate(f, start=1):
            line = line.rstrip('\r\n')
            if line.strip():
                yield line_number, line


def read_id_list(path: str) -> List[str]:
    """One id per non-blank line (e.g. VATEX or DiDeMo split lists)."""
    return [line.strip() for _, line in read_lines(path)]


def read_csv_rows(path: str,
                  required: Sequence[str],
                  delimiter: str = ',') -> Iterator[Tuple[int, dict]]:
    """Yield ``(line_number, row)`` for each record of a csv with a header.

    ``line_number`` is the line on which the record starts (quoted fields may
    span lines). Raises ``AnnotationError`` if the header lacks a column of
    ``required`` or a record has more or fewer fields than the header.
    """
    with open(path, encoding='utf-8-sig', newline='') as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        header = reader.fieldnames or []
        missing = [name for name in required if name not in header]
        if missing:
            raise AnnotationError(
                path, 'line 1',
                f'header {header} lacks the column(s) {missing}')
        start = reader.line_num + 1
        for row in reader:
            if None in row:  # DictReader keeps surplus fields under None
                got = len(header) + len(row[None])
            else:  # and fills missing ones with None
                got = sum(value is not None for value in row.values())
            if got != len(header):
                raise AnnotationError(
                    path, f'line {start}',
                    f'expected {len(header)} fields {header}, got {got}')
            yield start, row
            start = reader.line_num + 1


def load_json(path: str, expected_type: Union[type, Tuple[type, ...]]) -> Any:
    """Parse a JSON file and check the type(s) of its top-level value."""
    with open(path, encoding='utf-8-sig') as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as err:
            raise AnnotationError(path, f'line {err.lineno}',
                                  f'invalid JSON: {err.msg}') from err
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
