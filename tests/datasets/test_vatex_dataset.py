import json

import pytest

from tmass_mm.datasets import AnnotationError, VATEXDataset


def en(video_id):
    return [f'{video_id} english {k}' for k in range(10)]


def zh(video_id):
    return [f'{video_id} 中文 {k}' for k in range(10)]


def write_captions(path, video_ids, fmt):
    """Captions in one of the three documented formats."""
    if fmt == 'vatex_data':
        data = {v: {'enCap': en(v), 'chCap': zh(v)} for v in video_ids}
    elif fmt == 'ref_captions':
        data = {v: en(v) for v in video_ids}
    else:  # official vatex_*_v1.0.json
        data = [{
            'videoID': v,
            'enCap': en(v),
            'chCap': zh(v)
        } for v in video_ids]
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


@pytest.mark.parametrize('fmt', ['vatex_data', 'ref_captions', 'official'])
def test_test_split_every_english_caption(fixtures_dir, tmp_path, fmt):
    list_file = fixtures_dir / 'vatex' / 'test_list.txt'
    ids = list_file.read_text().split()
    captions = write_captions(tmp_path / f'{fmt}.json',
                              ids + ['not_in_split_000000_000010'], fmt)
    ds = VATEXDataset(
        split='test',
        ann_file=str(list_file),
        caption_file=str(captions),
        video_root='/v',
        test_mode=True)
    assert len(ds) == ds.num_videos == 1500
    assert ds.num_texts == 15000
    info = ds.get_data_info(1)
    assert info['video_id'] == 'rIJPGdtdaHg_000006_000016'
    assert info['video_path'] == '/v/rIJPGdtdaHg_000006_000016.mp4'
    assert info['texts'] == en('rIJPGdtdaHg_000006_000016')  # English only
    assert info['text_indices'] == list(range(10, 20))


@pytest.mark.parametrize('split,num_videos', [('train', 25991), ('val', 1500)])
def test_real_split_lists(fixtures_dir, tmp_path, split, num_videos):
    ids = (fixtures_dir / 'vatex' / f'{split}_list.txt').read_text().split()
    write_captions(tmp_path / 'vatex_data.json', ids, 'ref_captions')
    (tmp_path / f'{split}_list.txt').write_text(
        (fixtures_dir / 'vatex' / f'{split}_list.txt').read_text())
    gallery = VATEXDataset(split=split, data_root=tmp_path, test_mode=True)
    assert len(gallery) == gallery.num_videos == num_videos
    assert gallery.num_texts == 10 * num_videos
    assert gallery.get_data_info(1)['text_indices'] == list(range(10, 20))
    if split == 'val':  # one sample per caption (the big train list is slow)
        ds = VATEXDataset(split=split, data_root=tmp_path)
        assert len(ds) == ds.num_texts == 10 * num_videos
        assert ds.get_data_info(10)['texts'] == [en(ids[1])[0]]


def test_listed_video_without_captions_is_left_out(tmp_path):
    (tmp_path / 'test_list.txt').write_text('a_000000_000010\n'
                                            'b_000000_000010\n')
    write_captions(tmp_path / 'vatex_data.json', ['b_000000_000010'],
                   'vatex_data')
    ds = VATEXDataset(split='test', data_root=tmp_path, test_mode=True)
    assert ds.num_videos == 1
    assert ds.get_data_info(0)['video_id'] == 'b_000000_000010'
    assert ds.get_data_info(0)['video_index'] == 0


@pytest.mark.parametrize('data,where', [
    ([{
        'videoID': 'a',
        'chCap': []
    }], r'entry 0: .*enCap'),
    ({
        'a': {
            'chCap': []
        }
    }, r'video a: .*enCap'),
    ({
        'a': 'one string'
    }, r'video a: expected a list'),
    ('text', r'top level: expected a JSON dict or list'),
])
def test_malformed_caption_files(tmp_path, data, where):
    (tmp_path / 'test_list.txt').write_text('a\n')
    (tmp_path / 'caps.json').write_text(json.dumps(data))
    with pytest.raises(AnnotationError, match=r'caps\.json, ' + where):
        VATEXDataset(
            split='test', caption_file='caps.json', data_root=tmp_path)
