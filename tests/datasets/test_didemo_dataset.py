import csv
import json

import pytest

from tmass_mm.datasets import AnnotationError, DiDeMoDataset


@pytest.mark.parametrize('split,ann_file,num_videos', [
    ('train', 'didemo_train_label.csv', 8362),
    ('val', 'didemo_val_label.csv', 1062),
    ('test', 'didemo_test_label.csv', 1004),
    ('val', 'val_data.json', 1065),
    ('test', 'test_data.json', 1004),
])
def test_real_files_row_counts(fixtures_dir, split, ann_file, num_videos):
    ds = DiDeMoDataset(
        split=split,
        ann_file=ann_file,
        data_root=fixtures_dir / 'didemo',
        test_mode=True)
    assert len(ds) == ds.num_videos == ds.num_texts == num_videos
    info = ds.get_data_info(0)
    assert (info['start_time'], info['end_time']) == (0.0, 31.0)
    assert len(info['texts']) == 1


def test_json_without_split_list_keeps_every_video(fixtures_dir):
    ds = DiDeMoDataset(
        split='test', split_file=None, data_root=fixtures_dir / 'didemo')
    assert ds.num_videos == 1037  # 4,021 sentences over 1,037 videos


def test_paragraphs_from_json_equal_tmass_csv(fixtures_dir):
    root = fixtures_dir / 'didemo'
    from_json = DiDeMoDataset(split='test', data_root=root, test_mode=True)
    from_csv = DiDeMoDataset(
        split='test',
        ann_file='didemo_test_label.csv',
        data_root=root,
        test_mode=True)
    csv_texts = {
        from_csv.get_data_info(i)['video_id']:
        from_csv.get_data_info(i)['texts']
        for i in range(len(from_csv))
    }
    json_texts = {
        from_json.get_data_info(i)['video_id']:
        from_json.get_data_info(i)['texts']
        for i in range(len(from_json))
    }
    assert json_texts == csv_texts
    # spot check the joining itself on the first video of test_data.json
    entries = json.loads((root / 'test_data.json').read_text())
    name = entries[0]['video']
    expected = ' '.join(entry['description'] for entry in entries
                        if entry['video'] == name)
    assert json_texts[name] == [expected]
    assert expected.startswith('someone kicks the bug towards some rocks. a ')


def test_extension_handling(fixtures_dir, tmp_path):
    root = fixtures_dir / 'didemo'
    names = (root / 'test_list.txt').read_text().split()
    bare = [n for n in names if n.endswith('.')]
    assert len(bare) == 27  # names ending in a bare '.' in the test list
    mov = next(n for n in names if n.endswith('.mov'))
    threegp = next(n for n in names if n.endswith('.3gp'))
    videos = tmp_path / 'videos'
    videos.mkdir()
    (videos / mov).write_bytes(b'')  # the original file
    (videos / bare[0]).write_bytes(b'')  # original with the bare dot
    (videos / bare[1][:-1]).write_bytes(b'')  # the dot dropped by the fs
    (videos / (threegp[:-4] + '.mp4')).write_bytes(b'')  # transcoded copy

    ds = DiDeMoDataset(
        split='test', data_root=root, video_root=str(videos), test_mode=True)
    paths = {
        ds.get_data_info(i)['video_id']: ds.get_data_info(i)['video_path']
        for i in range(len(ds))
    }
    assert paths[mov] == str(videos / mov)
    assert paths[bare[0]] == str(videos / bare[0])
    assert paths[bare[1]] == str(videos / bare[1][:-1])
    assert paths[threegp] == str(videos / (threegp[:-4] + '.mp4'))
    # nothing on disk: the name as annotated, so the error shows it
    assert paths[bare[2]] == str(videos / bare[2])


def test_bad_time_in_tmass_csv_names_line(tmp_path):
    path = tmp_path / 'didemo_test_label.csv'
    with path.open('w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow([
            'success', 'video_path', 'starts', 'ends', 'text', 'formatted_data'
        ])
        writer.writerow([
            'True', '/x/a.mov', 'tensor([[0]])', 'tensor([[31]])',
            'a dog. a cat', 'p'
        ])
        writer.writerow([
            'True', '/x/b.', 'tensor([0])', 'tensor([31])', 'multi\nline text',
            'p'
        ])
        writer.writerow(['True', '/x/c.avi', '0', '31', 'text', 'p'])
    with pytest.raises(
            AnnotationError, match=r"didemo_test_label\.csv, line 5: .*'0'"):
        DiDeMoDataset(ann_file=str(path), split_file=None)


def test_json_entry_without_description(tmp_path):
    path = tmp_path / 'test_data.json'
    path.write_text(
        json.dumps([{
            'video': 'a.mov',
            'description': 'x'
        }, {
            'video': 'a.mov'
        }]))
    with pytest.raises(
            AnnotationError,
            match=r"test_data\.json, entry 1: .*'description'"):
        DiDeMoDataset(ann_file=str(path), split_file=None)
