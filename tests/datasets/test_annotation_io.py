import pytest

from tmass_mm.datasets.annotation_io import (AnnotationError, join_root,
                                             load_json, read_csv_rows,
                                             read_id_list, read_lines)


def test_read_lines_skips_blank_lines_and_keeps_numbers(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_bytes('\ufeffx\ty \r\n\n  \nz\n'.encode())
    assert list(read_lines(str(path))) == [(1, 'x\ty '), (4, 'z')]
    assert read_id_list(str(path)) == ['x\ty', 'z']


def test_csv_rows_report_the_starting_line(tmp_path):
    path = tmp_path / 'a.csv'
    path.write_text('id,text\n1,"two\nlines"\n2,ok\n3\n')
    rows = read_csv_rows(str(path), ('id', 'text'))
    assert next(rows) == (2, {'id': '1', 'text': 'two\nlines'})
    assert next(rows) == (4, {'id': '2', 'text': 'ok'})
    with pytest.raises(
            AnnotationError, match=r'a\.csv, line 5: expected 2 fields'):
        next(rows)


def test_json_errors_name_the_line(tmp_path):
    path = tmp_path / 'a.json'
    path.write_text('{\n"a": 1,\n}')
    with pytest.raises(AnnotationError, match=r'a\.json, line 3: invalid'):
        load_json(str(path), dict)


def test_join_root():
    assert join_root('a.csv', '/data') == '/data/a.csv'
    assert join_root('/abs/a.csv', '/data') == '/abs/a.csv'
    assert join_root('a.csv', '') == 'a.csv'
    assert join_root('', '/data') == '/data'
