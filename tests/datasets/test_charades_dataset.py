import csv

import pytest

from tmass_mm.datasets import AnnotationError, CharadesDataset

HEADER = [
    'id', 'subject', 'scene', 'quality', 'relevance', 'verified', 'script',
    'objects', 'descriptions', 'actions', 'length'
]


def write_charades(path, rows):
    with path.open('w', newline='') as f:
        writer = csv.writer(f)  # quotes fields with commas/newlines
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_real_test_rows(fixtures_dir):
    ds = CharadesDataset(
        split='test',
        data_root=fixtures_dir / 'charades',
        ann_file='Charades_v1_test_200.csv',
        test_mode=True)
    assert len(ds) == ds.num_videos == ds.num_texts == 199
    info = ds.get_data_info(1)
    assert info['video_id'] == 'T5ECU'
    assert info['texts'] == [
        'One person is smiling and drinking while watching out the window, '
        'while another person is leaving with a vacuum.'
    ]


def test_real_test_rows_with_descriptions(fixtures_dir):
    ds = CharadesDataset(
        split='test',
        data_root=fixtures_dir / 'charades',
        ann_file='Charades_v1_test_200.csv',
        text_field='descriptions',
        test_mode=True)
    assert ds.num_videos == 199
    assert ds.num_texts == 471  # 127 x 2 + 71 x 3 + 1 x 4 descriptions
    first = ds.get_data_info(0)['texts']
    assert len(first) == 2
    assert first[0] == ('A person looks under a mattress and pats the bed.  '
                        'This person picks up a pillow, and throws it on the '
                        'bed.')
    assert ds.get_data_info(1)['text_indices'] == [2, 3]


def test_generated_train_csv(tmp_path):
    write_charades(tmp_path / 'Charades_v1_train.csv', [
        [
            '46GP8', 'HR43', 'Kitchen', '6', '7', 'Yes',
            'A person cooks, then "eats" food.', 'food;stove',
            'Someone cooks.;They eat.', 'c092 11.90 21.20', '24.83'
        ],
        [
            'N11GT', 'ESCG', 'Stairs', '', '', 'No', 'A person walks\ndown.',
            '', '', '', '32.96'
        ],
        [
            '0IH69', 'KRF6', 'Bedroom', '6', '5', 'Yes', '', 'bed', 'Sleeps.',
            '', '12.00'
        ],
    ])
    ds = CharadesDataset(
        split='train', data_root=tmp_path, video_root='Charades_v1')
    # the row with an empty script is left out (with a warning)
    assert ds.num_videos == 2 and len(ds) == 2
    assert ds.get_data_info(0)['texts'] == [
        'A person cooks, then "eats" food.'
    ]
    assert ds.get_data_info(1)['texts'] == ['A person walks\ndown.']
    assert ds.get_data_info(1)['video_path'] == str(tmp_path / 'Charades_v1' /
                                                    'N11GT.mp4')

    by_description = CharadesDataset(
        split='train', data_root=tmp_path, text_field='descriptions')
    texts = [
        by_description.get_data_info(i)['texts']
        for i in range(len(by_description))
    ]
    assert texts == [['Someone cooks.'], ['They eat.'], ['Sleeps.']]
    assert by_description.num_videos == 2  # N11GT has no description


def test_malformed_row_names_line(tmp_path):
    path = write_charades(tmp_path / 'bad.csv', [
        ['A', 's', 'k', '1', '1', 'Yes', 'multi\nline', '', '', '', '1'],
        ['B', 's', 'k', '1', '1', 'Yes', 'too few fields'],
    ])
    with pytest.raises(AnnotationError, match=r'bad\.csv, line 4: .*got 7'):
        CharadesDataset(ann_file=str(path))


def test_bad_text_field():
    with pytest.raises(ValueError, match='unknown text_field'):
        CharadesDataset(text_field='objects')
