import pytest

from tmass_mm.datasets import AnnotationError, LSMDCDataset

ROWS = [
    # clip id, start/end aligned, start/end extracted, sentence
    ('1010_TITANIC_00.41.32.072-00.41.40.196', '00.41.32.072', '00.41.40.196',
     '00.41.31.500', '00.41.40.500', 'SOMEONE stares at the ship.'),
    ('"1010_TITANIC_00.41.41.000-00.41.44.500', '00.41.41.000', '00.41.44.500',
     '00.41.41.000', '00.41.44.500', 'Her "mother" frowns, hands in lap.'),
    ('1010_TITANIC_00.41.32.072-00.41.40.196', '00.41.32.072', '00.41.40.196',
     '00.41.31.500', '00.41.40.500', 'Now SOMEONE turns away.'),
    ('0001_American_Beauty_00.00.51.926-00.00.54.202', '00.00.51.926',
     '00.00.54.202', '00.00.51.000', '00.00.54.000', 'A quiet street.'),
]


def write_lsmdc(path, rows=ROWS):
    path.write_text(''.join('\t'.join(row) + '\n' for row in rows))
    return path


def test_generated_training_file(tmp_path):
    write_lsmdc(tmp_path / 'LSMDC16_annos_training.csv')
    (tmp_path / 'videos' / '0001_American_Beauty').mkdir(parents=True)
    (tmp_path / 'videos' / '0001_American_Beauty' /
     '0001_American_Beauty_00.00.51.926-00.00.54.202.mp4').write_bytes(b'')

    ds = LSMDCDataset(split='train', data_root=tmp_path, video_root='videos')
    # the repeated clip id is one video with two captions; quote removed
    assert ds.num_videos == 3 and ds.num_texts == len(ds) == 4
    infos = [ds.get_data_info(i) for i in range(4)]
    assert [info['video_id'] for info in infos] == [
        '1010_TITANIC_00.41.32.072-00.41.40.196',
        '1010_TITANIC_00.41.32.072-00.41.40.196',
        '1010_TITANIC_00.41.41.000-00.41.44.500',
        '0001_American_Beauty_00.00.51.926-00.00.54.202',
    ]
    assert [info['texts']
            for info in infos] == [['SOMEONE stares at the ship.'],
                                   ['Now SOMEONE turns away.'],
                                   ['Her "mother" frowns, hands in lap.'],
                                   ['A quiet street.']]
    assert [info['video_index'] for info in infos] == [0, 0, 1, 2]
    assert infos[2]['video_path'] == str(
        tmp_path / 'videos' / '1010_TITANIC' /
        '1010_TITANIC_00.41.41.000-00.41.44.500.avi')
    assert infos[3]['video_path'].endswith(  # an .mp4 copy is found
        '0001_American_Beauty/0001_American_Beauty_00.00.51.926-'
        '00.00.54.202.mp4')


def test_test_split_gallery(tmp_path):
    rows = [(f'0005_MOVIE_00.00.{i:02d}.000-00.00.{i + 1:02d}.000', 'a', 'b',
             'c', 'd', f'caption {i}') for i in range(1000)]
    write_lsmdc(tmp_path / 'LSMDC16_challenge_1000_publictect.csv', rows)
    ds = LSMDCDataset(split='test', data_root=tmp_path, test_mode=True)
    assert len(ds) == ds.num_videos == ds.num_texts == 1000
    assert ds.get_data_info(7)['texts'] == ['caption 7']
    assert ds.get_data_info(7)['text_indices'] == [7]


def test_malformed_lines_name_file_and_line(tmp_path):
    path = write_lsmdc(
        tmp_path / 'bad.csv',
        ROWS[:2] + [('1010_TITANIC_00.41.32.072-00.41.40.196', 'a', 'b',
                     'sentence without fields')])
    with pytest.raises(
            AnnotationError, match=r'bad\.csv, line 3: expected 6 .* got 4'):
        LSMDCDataset(ann_file=str(path))
    path = write_lsmdc(tmp_path / 'bad_id.csv',
                       [('no_timestamp', 'a', 'b', 'c', 'd', 'text')])
    with pytest.raises(AnnotationError, match=r'bad_id\.csv, line 1: clip id'):
        LSMDCDataset(ann_file=str(path))
