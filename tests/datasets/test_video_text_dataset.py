"""VideoTextDataset: the three file formats, grouping, splits, windows,
search-only galleries and every malformed entry (file and line)."""
import json

import pytest
import torch
from mmengine.registry import DATASETS

from tmass_mm.datasets import AnnotationError, VideoTextDataset
from tmass_mm.evaluation.functional import video_to_text_ranks

ENTRIES = [
    {
        'video': 'cats/c1.mp4',
        'caption': 'a cat jumps',
        'split': 'train'
    },
    {
        'video': 'dogs/d1.mp4',
        'captions': ['a dog', 'a puppy runs'],
        'start': 1.5,
        'end': 3,
        'split': 'train'
    },
    {
        'video': 'cats/c1.mp4',
        'caption': 'a kitten leaps',
        'split': 'train'
    },
    {
        'video': 'dogs/d1.mp4',
        'caption': 'a dog sits',
        'split': 'test'
    },
]
CSV = ('video,caption,start,end,split\n'
       'cats/c1.mp4,a cat jumps,,,train\n'
       'dogs/d1.mp4,a dog,1.5,3,train\n'
       'cats/c1.mp4,a kitten leaps,,,train\n'
       'dogs/d1.mp4,"a puppy runs",1.5,3.0,train\n'
       'dogs/d1.mp4,a dog sits,,,test\n')


def write(path, text):
    path.write_text(text)
    return str(path)


def json_list(entries):
    """A JSON list, one entry per line after the opening bracket."""
    return '[\n' + ',\n'.join(json.dumps(e) for e in entries) + '\n]\n'


def json_lines(entries):
    return ''.join(json.dumps(e) + '\n' for e in entries)


def gallery_rows(dataset):
    return [(info['video_id'], info['video_path'],
             info['texts'], info['text_indices'], info.get('start_time'),
             info.get('end_time'))
            for info in map(dataset.get_data_info, range(len(dataset)))]


@pytest.fixture(params=['list.json', 'lines.jsonl', 'lines.json', 'rows.csv'])
def ann_file(request, tmp_path):
    name = request.param
    if name == 'rows.csv':
        text = CSV
    elif name == 'list.json':
        text = json_list(ENTRIES)
    else:
        text = json_lines(ENTRIES)
    return write(tmp_path / name, text)


def test_every_format_gives_the_same_gallery(ann_file, tmp_path):
    test = VideoTextDataset(
        ann_file=ann_file,
        data_root=str(tmp_path),
        video_root='videos',
        split='train',
        test_mode=True)
    assert test.num_videos == 2 and test.num_texts == 4
    root = f'{tmp_path}/videos'
    assert gallery_rows(test) == [
        ('cats/c1.mp4', f'{root}/cats/c1.mp4',
         ['a cat jumps', 'a kitten leaps'], [0, 1], None, None),
        ('dogs/d1.mp4#t=1.5,3', f'{root}/dogs/d1.mp4',
         ['a dog', 'a puppy runs'], [2, 3], 1.5, 3.0),
    ]
    train = VideoTextDataset(
        ann_file=ann_file, data_root=str(tmp_path), split='train')
    assert [(info['video_index'], info['texts'], info['text_indices'])
            for info in map(train.get_data_info, range(len(train)))
            ] == [(0, ['a cat jumps'], [0]), (0, ['a kitten leaps'], [1]),
                  (1, ['a dog'], [2]), (1, ['a puppy runs'], [3])]
    everything = VideoTextDataset(
        ann_file=ann_file, data_root=str(tmp_path), test_mode=True)
    assert [row[0] for row in gallery_rows(everything)
            ] == ['cats/c1.mp4', 'dogs/d1.mp4#t=1.5,3', 'dogs/d1.mp4']


def test_registered_and_decodes_the_window(tmp_path, gray_video,
                                           frame_numbers):
    gray_video(20, name='videos/clip.mp4', fps=10.0)  # frame i at i / 10 s
    ann = write(
        tmp_path / 'ann.json',
        json_list([{
            'video': 'clip.mp4',
            'caption': 'late part',
            'start': 1.0,
            'end': 1.9
        }]))
    dataset = DATASETS.build(
        dict(
            _scope_='tmass_mm',
            type='VideoTextDataset',
            ann_file=ann,
            data_root=str(tmp_path),
            video_root='videos',
            test_mode=True,
            pipeline=[
                dict(type='LoadVideoFrames', num_frames=4, sampling='uniform')
            ]))
    assert isinstance(dataset, VideoTextDataset)
    sample = dataset[0]
    assert sample['texts'] == ['late part']
    assert all(10 <= n <= 19 for n in frame_numbers(sample['imgs']))


def test_split_selection_errors(tmp_path):
    ann = write(tmp_path / 'a.json',
                json_list([ENTRIES[0], {
                    'video': 'x.mp4',
                    'caption': 'x'
                }]))
    with pytest.raises(
            AnnotationError,
            match=r"a\.json, entry 1 \(line 3\): no split given, but the "
            r"dataset reads split 'train'"):
        VideoTextDataset(ann_file=ann, split='train')
    with pytest.raises(
            ValueError,
            match=r"no entry of split 'val'; its splits are \['test', "
            r"'train'\]"):
        VideoTextDataset(ann_file=write(tmp_path / 'b.csv', CSV), split='val')


def test_search_only_gallery_keeps_uncaptioned_videos(tmp_path, mmengine_log):
    ann = write(
        tmp_path / 'a.json',
        json_list([{
            'video': 'a.mp4',
            'caption': 'a'
        }, {
            'video': 'b.mp4'
        }, {
            'video': 'c.mp4',
            'captions': []
        }, {
            'video': 'd.mp4',
            'captions': ['d0', 'd1']
        }]))
    gallery = VideoTextDataset(
        ann_file=ann, captions='optional', test_mode=True)
    assert [(row[0], row[2], row[3])
            for row in gallery_rows(gallery)] == [('a.mp4', ['a'], [0]),
                                                  ('b.mp4', [], []),
                                                  ('c.mp4', [], []),
                                                  ('d.mp4', ['d0',
                                                             'd1'], [1, 2])]
    assert any(
        '2 of 4 videos' in r.getMessage() and 'search only' in r.getMessage()
        for r in mmengine_log)
    # the metric refuses it: video b has no caption to be found by
    text_to_video = torch.tensor([
        info['video_index'] for info in map(gallery.get_data_info, range(4))
        for _ in info['text_indices']
    ])
    with pytest.raises(ValueError, match='video 1 has no caption'):
        video_to_text_ranks(torch.rand(3, 4), text_to_video)

    train = VideoTextDataset(ann_file=ann, captions='optional')
    assert [row[2] for row in gallery_rows(train)] == [['a'], ['d0'], ['d1']]
    with pytest.raises(
            AnnotationError,
            match=r'entry 1 \(line 3\): video .b\.mp4. has no caption'):
        VideoTextDataset(ann_file=ann, test_mode=True)

    csv_ann = write(tmp_path / 'a.csv', 'video,caption\na.mp4,a\nb.mp4,\n')
    gallery = VideoTextDataset(
        ann_file=csv_ann, captions='optional', test_mode=True)
    assert [row[2] for row in gallery_rows(gallery)] == [['a'], []]
    with pytest.raises(
            AnnotationError, match=r'a\.csv, line 3: the caption is empty'):
        VideoTextDataset(ann_file=csv_ann)


def test_bad_options(tmp_path):
    with pytest.raises(ValueError, match="unknown captions 'some'"):
        VideoTextDataset(ann_file='a.json', captions='some')
    with pytest.raises(ValueError, match='needs an ann_file'):
        VideoTextDataset()
    with pytest.raises(AnnotationError, match="suffix '.txt'"):
        VideoTextDataset(ann_file=write(tmp_path / 'a.txt', 'x'))


GOOD = {'video': 'a.mp4', 'caption': 'fine'}


@pytest.mark.parametrize('entry,message', [
    ({
        'video': 'b.mp4',
        'caption': None
    }, 'the caption must be a string, got NoneType None'),
    ({
        'video': 'b.mp4',
        'caption': 7
    }, 'caption must be a string, got int'),
    ({
        'video': 'b.mp4',
        'caption': ['x']
    }, 'must be a string, got list'),
    ({
        'video': 'b.mp4',
        'caption': '  '
    }, 'the caption is empty'),
    ({
        'video': 'b.mp4',
        'captions': ['ok', '']
    }, r'captions\[1\]: the caption is empty'),
    ({
        'video': 'b.mp4',
        'captions': 'one'
    }, '"captions" must be a list'),
    ({
        'video': 'b.mp4'
    }, "video 'b.mp4' has no caption"),
    ({
        'video': 'b.mp4',
        'captions': []
    }, 'has no caption'),
    ({
        'caption': 'x'
    }, 'the video path must be a string, got NoneType'),
    ({
        'video': ' ',
        'caption': 'x'
    }, 'the video path is empty'),
    ({
        'video': 'b.mp4',
        'caption': 'x',
        'captions': ['y']
    }, 'not both'),
    ({
        'video': 'b.mp4',
        'text': 'x'
    }, r"unknown key\(s\) \['text'\]"),
    ({
        'video': 'b.mp4',
        'caption': 'x',
        'start': -1
    }, 'start must be a non-negative number'),
    ({
        'video': 'b.mp4',
        'caption': 'x',
        'end': '3'
    }, 'end must be a non-negative number'),
    ({
        'video': 'b.mp4',
        'caption': 'x',
        'start': True
    }, 'start must be a non-negative number'),
    ({
        'video': 'b.mp4',
        'caption': 'x',
        'start': 2,
        'end': 2
    }, 'end 2 s is not after start 2 s'),
    ({
        'video': 'b.mp4',
        'caption': 'x',
        'split': 3
    }, 'the split must be a string'),
    ({
        'video': 'a.mp4',
        'caption': 'x',
        'split': 'test'
    }, "split 'test' differs from split None given to the same clip at"),
    ('b.mp4', 'expected an object'),
])
def test_malformed_json_entries(tmp_path, entry, message):
    text = json_list([GOOD, entry])
    path = write(tmp_path / 'a.json', text)
    with pytest.raises(
            AnnotationError, match=rf'a\.json, entry 1 \(line 3\).*{message}'):
        VideoTextDataset(ann_file=path)
    path = write(tmp_path / 'a.jsonl', json_lines([GOOD, GOOD, entry]))
    with pytest.raises(AnnotationError, match=rf'a\.jsonl, line 3.*{message}'):
        VideoTextDataset(ann_file=path)


@pytest.mark.parametrize('row,message', [
    ('b.mp4,,,,', 'the caption is empty'),
    ('b.mp4,  ,,,', 'the caption is empty'),
    (',words,,,', 'the video path is empty'),
    ('b.mp4,x,soon,,', "start 'soon' is not a number"),
    ('b.mp4,x,4,1,', 'end 1 s is not after start 4 s'),
    ('b.mp4,x,1,2,val,extra', 'expected 5 fields'),
    ('b.mp4,"never closed\nc.mp4,y,,,\nd.mp4,z,,,', 'malformed quoting'),
    ('b.mp4,"closed too late\nc.mp4,y",,,', 'runs to line 4'),
])
def test_malformed_csv_rows(tmp_path, row, message):
    path = write(tmp_path / 'a.csv',
                 f'video,caption,start,end,split\na.mp4,fine,,,\n{row}\n')
    with pytest.raises(AnnotationError, match=rf'a\.csv, line 3: .*{message}'):
        VideoTextDataset(ann_file=path)


def test_csv_header_errors(tmp_path):
    path = write(tmp_path / 'a.csv', 'video,text\na.mp4,x\n')
    with pytest.raises(
            AnnotationError, match=r"line 1: header .* lacks .*'caption'"):
        VideoTextDataset(ann_file=path)
    path = write(tmp_path / 'a.csv', 'video,caption,notes\na.mp4,x,y\n')
    with pytest.raises(
            AnnotationError, match=r"line 1: unknown column\(s\) \['notes'\]"):
        VideoTextDataset(ann_file=path)
