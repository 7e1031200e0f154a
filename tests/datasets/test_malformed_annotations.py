"""Real annotation files, altered the way files get damaged: each must fail
with the file and the line (or entry), never load as a smaller gallery."""
import json

import pytest

from tmass_mm.datasets import (AnnotationError, CharadesDataset, DiDeMoDataset,
                               LSMDCDataset, MSRVTTDataset, VATEXDataset)


def altered_lines(source, target, edit):
    """Copy ``source`` to ``target`` with ``edit(lines)`` applied to its
    list of lines (newlines kept)."""
    lines = source.read_text(encoding='utf-8').splitlines(keepends=True)
    edit(lines)
    target.write_text(''.join(lines), encoding='utf-8')
    return target


def msrvtt_test(fixtures_dir, tmp_path, edit):
    path = altered_lines(fixtures_dir / 'msrvtt' / 'MSRVTT_JSFUSION_test.csv',
                         tmp_path / 'test.csv', edit)
    return lambda: MSRVTTDataset(
        split='test-1k-A', ann_file=str(path), test_mode=True)


def open_quote(lines, index):
    """Open a quote before the sentence of csv row ``lines[index]``."""
    head, sentence = lines[index].rsplit(',', 1)
    lines[index] = f'{head},"{sentence}'


def test_unclosed_quote_in_msrvtt_test_csv(fixtures_dir, tmp_path):
    # untouched, the file is a 1,000-video gallery
    assert msrvtt_test(fixtures_dir, tmp_path,
                       lambda lines: None)().num_videos == 1000
    build = msrvtt_test(fixtures_dir, tmp_path,
                        lambda lines: open_quote(lines, 4))
    with pytest.raises(
            AnnotationError,
            match=r'test\.csv, line 5: malformed quoting \(unexpected end of '
            r'data\): a quoted field opens here'):
        build()


def test_quote_closed_hundreds_of_lines_later(fixtures_dir, tmp_path):

    def edit(lines):
        open_quote(lines, 4)
        lines[399] = lines[399].rstrip('\n') + '"\n'

    with pytest.raises(
            AnnotationError,
            match=r'test\.csv, line 5: a quoted field opens on this line and '
            'runs to line 400'):
        msrvtt_test(fixtures_dir, tmp_path, edit)()


@pytest.mark.parametrize('column,value,message',
                         [(3, '', 'the caption is empty'),
                          (3, '   ', 'the caption is empty'),
                          (2, '', 'the video id is empty')])
def test_empty_caption_or_id_in_msrvtt_test_csv(fixtures_dir, tmp_path, column,
                                                value, message):

    def edit(lines):
        fields = lines[9].rstrip('\n').split(',')
        fields[column] = value
        lines[9] = ','.join(fields) + '\n'

    with pytest.raises(
            AnnotationError, match=rf'test\.csv, line 10: {message}'):
        msrvtt_test(fixtures_dir, tmp_path, edit)()


def test_latin1_charades_csv(fixtures_dir, tmp_path):
    source = fixtures_dir / 'charades' / 'Charades_v1_test_200.csv'
    lines = source.read_bytes().split(b'\n')
    lines[6] = lines[6].replace(b'person', 'pers\xf6n'.encode('latin-1'), 1)
    path = tmp_path / 'Charades_v1_test.csv'
    path.write_bytes(b'\n'.join(lines))
    with pytest.raises(
            AnnotationError,
            match=r'Charades_v1_test\.csv, line 7: the file is not UTF-8 '
            r"\(byte \d+ of the line is b'\\xf6'\).*iconv"):
        CharadesDataset(split='test', ann_file=str(path))


def test_charades_unclosed_quote_and_empty_id(fixtures_dir, tmp_path):
    source = fixtures_dir / 'charades' / 'Charades_v1_test_200.csv'

    def unclosed(lines):
        lines[20] = lines[20].replace(',', ',"', 6).replace(',"', ',', 5)

    path = altered_lines(source, tmp_path / 'a.csv', unclosed)
    with pytest.raises(
            AnnotationError, match=r'a\.csv, line 21: malformed quoting'):
        CharadesDataset(split='test', ann_file=str(path))

    def no_id(lines):
        lines[3] = ',' + lines[3].split(',', 1)[1]

    path = altered_lines(source, tmp_path / 'b.csv', no_id)
    with pytest.raises(AnnotationError, match=r'b\.csv, line 4: the id is'):
        CharadesDataset(split='test', ann_file=str(path))


@pytest.mark.parametrize('value,message',
                         [(None, 'must be a string, got NoneType'),
                          (12, 'must be a string, got int'),
                          (['a', 'b'], 'must be a string, got list'),
                          (' ', 'is empty')])
def test_didemo_json_description_types(fixtures_dir, tmp_path, value, message):
    data = json.loads((fixtures_dir / 'didemo' / 'test_data.json').read_text())
    data[3]['description'] = value
    path = tmp_path / 'test_data.json'
    path.write_text(json.dumps(data))
    with pytest.raises(
            AnnotationError,
            match=rf'test_data\.json, entry 3: the description {message}'):
        DiDeMoDataset(split='test', ann_file=str(path), split_file=None)


def test_didemo_csv_empty_paragraph_and_unclosed_quote(fixtures_dir, tmp_path):
    source = fixtures_dir / 'didemo' / 'didemo_test_label.csv'
    # the real file has paragraphs with line breaks: they still load
    assert DiDeMoDataset(
        split='test', ann_file=str(source), split_file=None).num_videos == 1004

    def empty_text(lines):
        fields = lines[1].split(',')
        fields[4] = ' '
        lines[1] = ','.join(fields)

    path = altered_lines(source, tmp_path / 'a.csv', empty_text)
    with pytest.raises(
            AnnotationError, match=r'a\.csv, line 2: the text is empty'):
        DiDeMoDataset(split='test', ann_file=str(path), split_file=None)

    def unclosed(lines):
        lines.append('True,/x/v.mp4,tensor([[0]]),tensor([[5]]),"a man\n')
        lines.append('walks,/x/f.pth\n')

    path = altered_lines(source, tmp_path / 'b.csv', unclosed)
    last = len(source.read_text().splitlines()) + 1
    with pytest.raises(
            AnnotationError, match=rf'b\.csv, line {last}: malformed quoting'):
        DiDeMoDataset(split='test', ann_file=str(path), split_file=None)


def test_msrvtt_json_caption_types(fixtures_dir, tmp_path):
    split_csv = fixtures_dir / 'msrvtt' / 'MSRVTT_train.7k.csv'
    first = split_csv.read_text().split()[1]
    sentences = [{
        'video_id': first,
        'caption': 'fine',
        'sen_id': 0
    }, {
        'video_id': first,
        'caption': None,
        'sen_id': 1
    }]
    path = tmp_path / 'MSRVTT_data.json'
    path.write_text(json.dumps({'videos': [], 'sentences': sentences}))
    with pytest.raises(
            AnnotationError,
            match=r'MSRVTT_data\.json, sentences\[1\]: the caption must be a '
            'string, got NoneType'):
        MSRVTTDataset(
            split='train-7k', ann_file=str(split_csv), data_root=tmp_path)


def test_vatex_caption_types(fixtures_dir, tmp_path):
    ids = (fixtures_dir / 'vatex' / 'test_list.txt').read_text().split()
    captions = {video_id: ['a', 'b'] for video_id in ids}
    captions[ids[7]] = ['fine', 5]
    path = tmp_path / 'ref_captions.json'
    path.write_text(json.dumps(captions))
    with pytest.raises(
            AnnotationError,
            match=rf'ref_captions\.json, video {ids[7]}, caption 1: the '
            'caption must be a string, got int'):
        VATEXDataset(
            split='test',
            ann_file=str(fixtures_dir / 'vatex' / 'test_list.txt'),
            caption_file=str(path))


def test_lsmdc_not_utf8(tmp_path):
    row = '1010_TITANIC_00.41.32.072-00.41.40.196\t1\t2\t3\t4\t{}\n'
    path = tmp_path / 'LSMDC16_annos_val.csv'
    path.write_bytes((row.format('SOMEONE waves') +
                      row.format('SOMEONE says cr\xe8me')).encode('cp1252'))
    with pytest.raises(
            AnnotationError,
            match=r'LSMDC16_annos_val\.csv, line 2: the file is not UTF-8'):
        LSMDCDataset(split='val', ann_file=str(path))
