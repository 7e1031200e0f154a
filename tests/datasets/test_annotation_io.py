import pytest

from tmass_mm.datasets.annotation_io import (AnnotationError, check_text,
                                             join_root, load_json,
                                             read_csv_rows, read_id_list,
                                             read_lines)
from tmass_mm.datasets.json_records import iter_json_records


def test_read_lines_skips_blank_lines_and_keeps_numbers(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_bytes('\ufeffx\ty \r\n\n  \nz\n'.encode())
    assert list(read_lines(str(path))) == [(1, 'x\ty '), (4, 'z')]
    assert read_id_list(str(path)) == ['x\ty', 'z']


def test_csv_rows_report_the_starting_line(tmp_path):
    path = tmp_path / 'a.csv'
    path.write_text('id,text\n1,"two\nlines"\n2,ok\n3\n')
    rows = read_csv_rows(str(path), ('id', 'text'), multiline_fields=True)
    assert next(rows) == (2, {'id': '1', 'text': 'two\nlines'})
    assert next(rows) == (4, {'id': '2', 'text': 'ok'})
    with pytest.raises(
            AnnotationError, match=r'a\.csv, line 5: expected 2 fields'):
        next(rows)


def test_json_errors_name_the_line(tmp_path):
    path = tmp_path / 'a.json'
    # a missing comma: every Python version places this error on line 3
    # (a trailing comma is placed on line 2 or 3 depending on the version)
    path.write_text('{\n"a": 1\n"b": 2}')
    with pytest.raises(AnnotationError, match=r'a\.json, line 3: invalid'):
        load_json(str(path), dict)


def test_join_root():
    assert join_root('a.csv', '/data') == '/data/a.csv'
    assert join_root('/abs/a.csv', '/data') == '/abs/a.csv'
    assert join_root('a.csv', '') == 'a.csv'
    assert join_root('', '/data') == '/data'


def test_csv_field_spanning_lines_is_refused_unless_allowed(tmp_path):
    path = tmp_path / 'a.csv'
    path.write_text('id,text\n1,ok\n2,"forgot to close\n3,x"\n4,y\n')
    with pytest.raises(
            AnnotationError,
            match=r'a\.csv, line 3: a quoted field opens .* runs to line 4'):
        list(read_csv_rows(str(path), ('id', 'text')))


@pytest.mark.parametrize(
    'body,line,multiline_modes',
    [
        # never closed: the rest of the file would become one field
        ('1,ok\n2,"open\n3,x\n4,y\n', 3, (False, True)),
        # closed by a later quoted field, in the middle of its text
        ('1,ok\n2,"open\n3,"x"\n', 3, (False, True)),
        # a quoted field with a legal line break, then a quote never closed
        ('1,"two\nlines"\n2,ok\n3,x\n4,"open\n5,y\n', 6, (True, )),
    ])
def test_unclosed_quote_names_the_line_it_opens(tmp_path, body, line,
                                                multiline_modes):
    path = tmp_path / 'a.csv'
    path.write_text('id,text\n' + body)
    for multiline in multiline_modes:
        with pytest.raises(
                AnnotationError,
                match=rf'a\.csv, line {line}: malformed quoting'):
            list(
                read_csv_rows(
                    str(path), ('id', 'text'), multiline_fields=multiline))


def test_quote_error_inside_one_line(tmp_path):
    path = tmp_path / 'a.csv'
    path.write_text('id,text\n1,ok\n2,"quoted"tail\n')
    with pytest.raises(AnnotationError, match=r'line 3: malformed quoting'):
        list(read_csv_rows(str(path), ('id', 'text')))


def test_not_utf8_names_the_line_and_the_fix(tmp_path):
    path = tmp_path / 'a.csv'
    path.write_bytes('id,text\n1,ok\n2,gar\xe7on\n'.encode('latin-1'))
    for read in (lambda p: list(read_csv_rows(p, ('id', ))),
                 lambda p: list(read_lines(p)),
                 lambda p: list(iter_json_records(p)),
                 lambda p: load_json(p, dict)):
        with pytest.raises(
                AnnotationError,
                match=r'a\.csv, line 3: the file is not UTF-8 .*iconv'):
            read(str(path))


@pytest.mark.parametrize('value,message', [(None, 'must be a string'),
                                           (3, 'must be a string'),
                                           (['a'], 'must be a string'),
                                           ('', 'is empty'),
                                           (' \t', 'is empty')])
def test_check_text_refuses(value, message):
    with pytest.raises(
            AnnotationError, match=f'f.json, entry 2: the caption '
            f'{message}'):
        check_text(value, 'f.json', 'entry 2', 'caption')
    assert check_text(' a ', 'f.json', 'entry 2', 'caption') == ' a '


def test_json_list_entries_know_their_line(tmp_path):
    path = tmp_path / 'a.json'
    path.write_text('[\n {"a": 1},\n\n {"b":\n  2}, 3\n]\n')
    assert list(iter_json_records(str(path))) == [('entry 0 (line 2)', {
        'a': 1
    }), ('entry 1 (line 4)', {
        'b': 2
    }), ('entry 2 (line 5)', 3)]
    path.write_text('[]')
    assert list(iter_json_records(str(path))) == []


def test_json_lines_and_their_errors(tmp_path):
    path = tmp_path / 'a.jsonl'
    path.write_text('{"a": 1}\n\n[2]\n')
    assert list(iter_json_records(str(path))) == [('line 1', {
        'a': 1
    }), ('line 3', [2])]
    path.write_text('{"a": 1}\n{"a": }\n')
    with pytest.raises(AnnotationError, match=r'a\.jsonl, line 2: invalid'):
        list(iter_json_records(str(path)))
    path.write_text('{"videos": [],\n "sentences": []}\n')
    with pytest.raises(
            AnnotationError,
            match=r'a\.jsonl, top level: expected a JSON list, or one JSON '
            'value per line .*got one JSON dict over several lines'):
        list(iter_json_records(str(path)))


@pytest.mark.parametrize('text,line,message',
                         [('[\n{"a": 1},\n]', 3, 'Expecting value'),
                          ('[\n{"a": 1}\n{"b": 2}]', 3, "expected ','"),
                          ('[{"a": 1}]\nx', 1, 'unexpected data'),
                          ('[\n{"a": 1},\n', 3, 'Expecting value')])
def test_json_list_errors_name_the_line(tmp_path, text, line, message):
    path = tmp_path / 'a.json'
    path.write_text(text)
    with pytest.raises(
            AnnotationError,
            match=rf'a\.json, line {line}: invalid JSON: '
            f'{message}'):
        list(iter_json_records(str(path)))
