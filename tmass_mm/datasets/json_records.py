"""JSON records with their place in the file: a JSON list or JSON lines."""
import json
from typing import Any, Iterator, Tuple

from .annotation_io import AnnotationError, not_utf8_error

_WHITESPACE = ' \t\r\n'


def iter_json_records(path: str) -> Iterator[Tuple[str, Any]]:
    """Yield ``(where, value)`` for each record of a JSON list or JSON lines.

    A file whose first character (after whitespace) is ``[`` is one JSON
    list, and ``where`` reads ``'entry <i> (line <n>)'`` (``i`` 0-based,
    ``n`` the line the entry starts on); otherwise each non-blank line is
    one JSON value and ``where`` reads ``'line <n>'``. Invalid JSON raises
    ``AnnotationError`` with the line of the error.
    """
    try:
        with open(path, encoding='utf-8-sig') as f:
            text = f.read()
    except UnicodeDecodeError as err:
        raise not_utf8_error(path, err) from None
    if text.lstrip(_WHITESPACE).startswith('['):
        yield from _list_entries(path, text)
        return
    for line_number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                value = json.loads(line)
            except json.JSONDecodeError as err:
                raise _line_error(path, text, line_number, err) from None
            yield f'line {line_number}', value


def _line_error(path: str, text: str, line_number: int,
                err: json.JSONDecodeError) -> AnnotationError:
    """The error for a line that is not JSON; a file that is one JSON value
    over several lines (e.g. an object) is named as such."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        return AnnotationError(path, f'line {line_number}',
                               f'invalid JSON: {err.msg}')
    return AnnotationError(
        path, 'top level', 'expected a JSON list, or one JSON value per line '
        f'(JSON lines), got one JSON {type(whole).__name__} over several lines'
    )


def _list_entries(path: str, text: str) -> Iterator[Tuple[str, Any]]:
    """The entries of the JSON list in ``text``, each with its start line."""
    decoder = json.JSONDecoder()
    pos = _skip_whitespace(text, text.index('[') + 1)
    closed = text.startswith(']', pos)
    index, line, counted = 0, 1, 0
    while not closed:
        line += text.count('\n', counted, pos)
        counted = pos
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise AnnotationError(path, f'line {err.lineno}',
                                  f'invalid JSON: {err.msg}') from None
        yield f'entry {index} (line {line})', value
        pos = _skip_whitespace(text, pos)
        if text.startswith(',', pos):
            pos, index = _skip_whitespace(text, pos + 1), index + 1
        elif text.startswith(']', pos):
            closed = True
        else:
            _fail(path, text, pos, "expected ',' or ']' after an entry")
    if _skip_whitespace(text, pos + 1) != len(text):
        _fail(path, text, pos + 1, 'unexpected data after the list')


def _skip_whitespace(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _fail(path: str, text: str, pos: int, message: str) -> None:
    raise AnnotationError(path, f'line {text.count(chr(10), 0, pos) + 1}',
                          f'invalid JSON: {message}')
