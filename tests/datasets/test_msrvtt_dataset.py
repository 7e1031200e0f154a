import json

import pytest

from tmass_mm.datasets import AnnotationError, MSRVTTDataset


def write_msrvtt_json(path, captions_per_video: dict):
    """``MSRVTT_data.json`` in the documented format."""
    videos, sentences = [], []
    for i, (video_id, captions) in enumerate(captions_per_video.items()):
        videos.append({
            'video_id': video_id,
            'category': 9,
            'url': 'u',
            'start time': 137.72,
            'end time': 149.44,
            'split': 'train',
            'id': i
        })
        sentences += [{
            'caption': caption,
            'video_id': video_id,
            'sen_id': len(sentences) + k
        } for k, caption in enumerate(captions)]
    # sentences of a video are not contiguous in the real file
    sentences.sort(key=lambda s: s['caption'][-1])
    path.write_text(json.dumps({'videos': videos, 'sentences': sentences}))
    return path


def test_test_1k_a_split_from_real_csv(fixtures_dir):
    ds = MSRVTTDataset(
        split='test-1k-A',
        data_root=fixtures_dir / 'msrvtt',
        video_root='/videos',
        test_mode=True)
    assert len(ds) == ds.num_videos == ds.num_texts == 1000
    assert ds.metainfo['num_videos'] == 1000
    first = ds.get_data_info(0)
    assert first['video_id'] == 'video9770'
    assert first['video_path'] == '/videos/video9770.mp4'
    assert first['texts'] == ['a person is connecting something to system']
    assert first['text_indices'] == [0] and first['video_index'] == 0
    assert 'start_time' not in first  # the 1k-A protocol takes whole clips
    last = ds.get_data_info(999)
    assert last['video_index'] == 999 and last['text_indices'] == [999]


@pytest.mark.parametrize('split,num_videos', [('train-9k', 9000),
                                              ('train-7k', 7010)])
def test_train_splits_from_real_csv_every_caption(fixtures_dir, tmp_path,
                                                  split, num_videos):
    split_csv = fixtures_dir / 'msrvtt' / MSRVTTDataset.SPLIT_FILES[split]
    ids = split_csv.read_text().split()[1:]
    # two captions each, plus a video outside the split that must be ignored
    captions = {vid: [f'{vid} a', f'{vid} b'] for vid in ids}
    captions['video_elsewhere'] = ['not in the split z']
    write_msrvtt_json(tmp_path / 'MSRVTT_data.json', captions)

    ds = MSRVTTDataset(
        split=split, ann_file=str(split_csv), data_root=tmp_path)
    assert ds.num_videos == num_videos
    assert len(ds) == ds.num_texts == 2 * num_videos
    assert [ds.get_data_info(i)['texts']
            for i in range(3)] == [[f'{ids[0]} a'], [f'{ids[0]} b'],
                                   [f'{ids[1]} a']]
    info = ds.get_data_info(3)
    assert (info['video_index'], info['text_indices']) == (1, [3])

    gallery = MSRVTTDataset(
        split=split,
        ann_file=str(split_csv),
        data_root=tmp_path,
        test_mode=True)
    assert len(gallery) == num_videos
    assert gallery.get_data_info(1)['texts'] == [f'{ids[1]} a', f'{ids[1]} b']
    assert gallery.get_data_info(1)['text_indices'] == [2, 3]


def test_webm_copies_are_found(tmp_path):
    (tmp_path / 'list.csv').write_text('video_id\nvideo1\nvideo2\n')
    write_msrvtt_json(tmp_path / 'MSRVTT_data.json', {
        'video1': ['x'],
        'video2': ['y']
    })
    (tmp_path / 'videos').mkdir()
    (tmp_path / 'videos' / 'video2.webm').write_bytes(b'')
    ds = MSRVTTDataset(
        split='train-9k',
        ann_file='list.csv',
        data_root=tmp_path,
        video_root='videos')
    assert ds.get_data_info(0)['video_path'] == str(tmp_path / 'videos' /
                                                    'video1.mp4')
    assert ds.get_data_info(1)['video_path'] == str(tmp_path / 'videos' /
                                                    'video2.webm')


def test_malformed_files_are_reported_with_place(tmp_path):
    (tmp_path / 'list.csv').write_text('video_id\nvideo1\n')
    (tmp_path / 'MSRVTT_data.json').write_text(
        json.dumps({
            'sentences': [{
                'caption': 'a',
                'video_id': 'video1'
            }, {
                'video_id': 'video1'
            }]
        }))
    with pytest.raises(
            AnnotationError,
            match=r"MSRVTT_data\.json, sentences\[1\]: .*caption"):
        MSRVTTDataset(ann_file='list.csv', data_root=tmp_path)

    (tmp_path / 'test.csv').write_text(
        'key,vid_key,video_id,sentence\nret0,msr0,video0,a dog\n'
        'ret1,msr1,video1,a cat,extra\n')
    with pytest.raises(AnnotationError, match=r'test\.csv, line 3: .*got 5'):
        MSRVTTDataset(
            split='test-1k-A', ann_file='test.csv', data_root=tmp_path)

    (tmp_path / 'bad_header.csv').write_text('id\nvideo1\n')
    with pytest.raises(
            AnnotationError, match=r"bad_header\.csv, line 1: .*'video_id'"):
        MSRVTTDataset(ann_file='bad_header.csv', data_root=tmp_path)


def test_empty_split_and_unknown_split(tmp_path):
    (tmp_path / 'list.csv').write_text('video_id\nvideo1\n')
    write_msrvtt_json(tmp_path / 'MSRVTT_data.json', {'video7': ['x']})
    with pytest.raises(ValueError, match='split is empty'):
        MSRVTTDataset(ann_file='list.csv', data_root=tmp_path)
    with pytest.raises(ValueError, match='unknown split'):
        MSRVTTDataset(split='train-1k')
