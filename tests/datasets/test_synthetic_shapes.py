"""The synthetic shapes benchmark: generation, reuse, content, gallery."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import decord
import numpy as np
import pytest

from tmass_mm.datasets import SyntheticShapesDataset, VideoTextDataset
from tmass_mm.demo import shape_split as split_module
from tmass_mm.demo.shape_scenes import (BACKGROUNDS, COLOURS, DISCRIMINATIVE,
                                        PATH_WORDS, SHAPE_WORDS, SIZE_WORDS,
                                        Scene, all_combinations, half_extent,
                                        shape_centre)
from tmass_mm.registry import DATASETS

SMALL = dict(
    num_videos=6,
    captions_per_video=2,
    frame_size=32,
    frames_per_video=6,
    fps=6.0)


def build(root, split='train', test_mode=False, **kwargs):
    return SyntheticShapesDataset(
        split=split,
        data_root=str(root),
        test_mode=test_mode,
        **{
            **SMALL,
            **kwargs
        })


def split_files(root, split='train'):
    """``{relative path: (mtime_ns, bytes)}`` of a split's files."""
    folder = Path(root) / split
    return {
        str(path.relative_to(folder)):
        (path.stat().st_mtime_ns, path.read_bytes())
        for path in sorted(folder.rglob('*')) if path.is_file()
    }


def annotations(root, split='train'):
    """The split's entries, each with its scene."""
    folder = Path(root) / split
    with open(folder / 'scenes.json') as f:
        scenes = json.load(f)
    with open(folder / 'annotations.json') as f:
        return [
            dict(entry, scene=scenes[entry['video']]) for entry in json.load(f)
        ]


def test_generates_a_loadable_split(tmp_path):
    dataset = build(tmp_path)
    files = split_files(tmp_path)
    assert sorted(files) == [
        'annotations.json', 'generation.json', 'scenes.json'
    ] + [f'videos/train_{i:05d}.mp4' for i in range(6)]
    assert not [name for name in files if '.tmp-' in name]
    assert dataset.num_videos == 6 and dataset.num_texts == 12
    assert len(dataset) == 12  # one sample per caption in training
    info = dataset.get_data_info(0)
    assert info['video_path'] == str(tmp_path / 'train' / 'videos' /
                                     'train_00000.mp4')
    assert len(info['texts']) == 1


def test_the_files_are_a_video_text_dataset(tmp_path):
    generated = build(tmp_path, split='val', test_mode=True)
    read = VideoTextDataset(
        ann_file='val/annotations.json',
        data_root=str(tmp_path),
        video_root='val/videos',
        test_mode=True)
    assert isinstance(generated, VideoTextDataset)
    assert [read.get_data_info(i) for i in range(len(read))] == \
        [generated.get_data_info(i) for i in range(len(generated))]
    assert read.get_data_info(5)['video_id'] == 'val_00005.mp4'
    assert read.get_data_info(5)['texts'] == annotations(tmp_path,
                                                         'val')[5]['captions']


def test_generation_is_deterministic(tmp_path):
    build(tmp_path / 'a', seed=3)
    build(tmp_path / 'b', seed=3)
    build(tmp_path / 'c', seed=4)
    files_a, files_b = (split_files(tmp_path / r) for r in 'ab')
    assert {k: v[1] for k, v in files_a.items()} == \
        {k: v[1] for k, v in files_b.items()}
    assert annotations(tmp_path / 'a') != annotations(tmp_path / 'c')


def test_second_build_regenerates_nothing(tmp_path, mmengine_log):
    build(tmp_path)
    before = split_files(tmp_path)
    mmengine_log.clear()
    build(tmp_path)
    assert split_files(tmp_path) == before  # same mtimes and bytes
    messages = [record.getMessage() for record in mmengine_log]
    assert any('reusing' in message for message in messages)
    assert not any('generating' in message for message in messages)


def test_only_missing_videos_are_regenerated(tmp_path):
    build(tmp_path)
    before = split_files(tmp_path)
    os.remove(tmp_path / 'train' / 'videos' / 'train_00002.mp4')
    build(tmp_path)
    after = split_files(tmp_path)
    assert sorted(after) == sorted(before)
    for name, (mtime, data) in after.items():
        assert data == before[name][1], name  # identical content
        if name not in ('videos/train_00002.mp4', 'annotations.json',
                        'scenes.json'):
            assert mtime == before[name][0], name  # untouched


def test_changed_parameters_regenerate_the_split(tmp_path, mmengine_log):
    build(tmp_path, seed=0)
    before = split_files(tmp_path)
    mmengine_log.clear()
    build(tmp_path, seed=1, num_videos=4)
    after = split_files(tmp_path)
    assert sorted(after) == [
        'annotations.json', 'generation.json', 'scenes.json'
    ] + [f'videos/train_{i:05d}.mp4' for i in range(4)]  # stale ones removed
    assert all(after[name][0] != before[name][0] for name in after)
    with open(tmp_path / 'train' / 'generation.json') as f:
        assert json.load(f)['seed'] == 1
    assert any('changed' in record.getMessage() for record in mmengine_log)


def test_splits_are_independent(tmp_path):
    build(tmp_path, split='train')
    train = split_files(tmp_path, 'train')
    build(tmp_path, split='test', test_mode=True, captions_per_video=1)
    assert split_files(tmp_path, 'train') == train
    assert annotations(tmp_path, 'train')[0]['scene'] != \
        annotations(tmp_path, 'test')[0]['scene']


def test_frames_show_the_shape_where_the_scene_puts_it(tmp_path):
    build(tmp_path, num_videos=12, frame_size=64, frames_per_video=8)
    for entry in annotations(tmp_path):
        scene = Scene(**entry['scene'])
        path = tmp_path / 'train' / 'videos' / entry['video']
        reader = decord.VideoReader(str(path))
        assert len(reader) == 8
        frames = reader.get_batch(list(range(8))).asnumpy()
        assert frames.shape == (8, 64, 64, 3)
        colour = np.array(COLOURS[scene.colour], float)
        background = np.array(BACKGROUNDS[scene.background], float)
        half = half_extent(scene, 64)
        for i, frame in enumerate(frames):
            x, y = shape_centre(scene, i / 7, 64)
            centre = frame[int(y) - 1:int(y) + 2,
                           int(x) - 1:int(x) + 2].reshape(-1, 3).mean(0)
            assert np.abs(centre - colour).max() < 40, (entry, i, centre)
            # the other tracks show only background
            rows = np.abs(np.arange(64) + 0.5 - y) > half + 3
            far = frame[rows].reshape(-1, 3).mean(0)
            assert np.abs(far - background).max() < 12, (entry, i, far)


def test_captions_name_every_attribute(tmp_path):
    build(tmp_path, num_videos=30, captions_per_video=3)
    for entry in annotations(tmp_path):
        scene = entry['scene']
        assert len(entry['captions']) == 3
        assert len(set(entry['captions'])) == 3
        for caption in entry['captions']:
            assert scene['colour'] in caption
            assert scene['background'] in caption
            assert any(w in caption for w in SHAPE_WORDS[scene['shape']])
            words = re.findall('[a-z]+', caption)
            assert any(w in words for w in SIZE_WORDS[scene['size']])
            assert any(w in caption for w in PATH_WORDS[scene['path']])


def test_test_gallery_has_one_answer_per_caption(tmp_path):
    num_videos = len(all_combinations())
    dataset = build(
        tmp_path,
        split='test',
        test_mode=True,
        num_videos=num_videos,
        captions_per_video=1,
        frame_size=16,
        frames_per_video=1)
    assert len(dataset) == dataset.num_videos == num_videos
    assert dataset.num_texts == num_videos
    assert [len(dataset.get_data_info(i)['texts'])
            for i in range(num_videos)] == [1] * num_videos
    combos = {
        tuple(entry['scene'][name] for name in DISCRIMINATIVE)
        for entry in annotations(tmp_path, 'test')
    }
    assert len(combos) == num_videos == 144


def test_registered_and_built_from_config(tmp_path):
    dataset = DATASETS.build(
        dict(
            type='SyntheticShapesDataset',
            split='val',
            data_root=str(tmp_path),
            test_mode=True,
            **SMALL))
    assert isinstance(dataset, SyntheticShapesDataset)
    assert dataset.num_videos == 6 and dataset.num_texts == 12
    assert len(dataset) == 6


def test_other_ranks_wait_and_generate_nothing(tmp_path, monkeypatch):
    calls = []

    def fake_broadcast(objects, src=0):
        calls.append(list(objects))
        objects[0] = None  # rank 0 reports success

    monkeypatch.setattr(split_module.dist, 'is_main_process', lambda: False)
    monkeypatch.setattr(split_module.dist, 'get_world_size', lambda: 2)
    monkeypatch.setattr(split_module.dist, 'broadcast_object_list',
                        fake_broadcast)
    with pytest.raises(FileNotFoundError):  # nothing was generated here
        build(tmp_path)
    assert calls == [[None]]
    assert not (tmp_path / 'train').exists()


def test_rank0_failure_is_raised_on_every_rank(tmp_path, monkeypatch):

    def fake_broadcast(objects, src=0):
        objects[0] = 'OSError: disk full'

    monkeypatch.setattr(split_module.dist, 'is_main_process', lambda: False)
    monkeypatch.setattr(split_module.dist, 'get_world_size', lambda: 2)
    monkeypatch.setattr(split_module.dist, 'broadcast_object_list',
                        fake_broadcast)
    with pytest.raises(RuntimeError, match='disk full'):
        build(tmp_path)


@pytest.mark.parametrize(
    'kwargs',
    [dict(num_videos=0),
     dict(captions_per_video=0),
     dict(frame_size=8)])
def test_bad_parameters(tmp_path, kwargs):
    with pytest.raises(ValueError):
        build(tmp_path, **kwargs)


def test_library_does_not_import_the_demo_but_the_registry_finds_it():
    code = ('import sys, tmass_mm.datasets\n'
            "assert 'tmass_mm.demo' not in sys.modules, 'demo imported'\n"
            'from tmass_mm.registry import DATASETS\n'
            "cls = DATASETS.get('SyntheticShapesDataset')\n"
            "print(cls.__module__)\n")
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['tmass_mm.demo.synthetic_shapes_dataset']
