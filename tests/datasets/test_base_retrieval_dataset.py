"""The base dataset's numbering contract, bad-video handling and skip count,
on a small VATEX-format dataset with generated videos."""
import copy
import json
import logging
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from torch.utils.data import DataLoader

from tmass_mm.datasets import ReportSkippedVideosHook, VATEXDataset

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CAPTIONS = {'a': ['a0', 'a1', 'a2'], 'b': ['b0'], 'c': ['c0', 'c1']}


@pytest.fixture
def data_root(tmp_path, gray_video):
    (tmp_path / 'test_list.txt').write_text('a\nb\nc\n')
    (tmp_path / 'vatex_data.json').write_text(json.dumps(CAPTIONS))
    for name in CAPTIONS:
        gray_video(6, name=f'videos/{name}.mp4')
    return tmp_path


def build(data_root, test_mode, on_error='raise', **kwargs):
    pipeline = [dict(type='LoadVideoFrames', num_frames=2, on_error=on_error)]
    return MMENGINE_DATASETS.build(
        dict(
            _scope_='tmass_mm',
            type='VATEXDataset',
            split='test',
            data_root=str(data_root),
            video_root='videos',
            pipeline=pipeline,
            test_mode=test_mode,
            **kwargs))


def test_train_and_test_numbering_agree(data_root):
    train = build(data_root, test_mode=False)
    test = build(data_root, test_mode=True)
    assert isinstance(train, VATEXDataset)
    assert train.num_videos == test.num_videos == 3
    assert train.num_texts == test.num_texts == 6
    assert test.metainfo['num_texts'] == 6

    train_rows = [(train.get_data_info(i)['video_index'],
                   train.get_data_info(i)['texts'],
                   train.get_data_info(i)['text_indices'])
                  for i in range(len(train))]
    assert train_rows == [(0, ['a0'], [0]), (0, ['a1'], [1]), (0, ['a2'], [2]),
                          (1, ['b0'], [3]), (2, ['c0'], [4]), (2, ['c1'], [5])]
    test_rows = [
        (test.get_data_info(i)['video_index'], test.get_data_info(i)['texts'],
         test.get_data_info(i)['text_indices']) for i in range(len(test))
    ]
    assert test_rows == [(0, ['a0', 'a1', 'a2'], [0, 1, 2]), (1, ['b0'], [3]),
                         (2, ['c0', 'c1'], [4, 5])]
    # each test sample decodes its video once
    assert test[2]['imgs'].shape == (2, 48, 64, 3)


def test_lazy_init_properties(data_root):
    ds = build(data_root, test_mode=True, lazy_init=True)
    assert ds.num_videos == 3 and ds.num_texts == 6


def test_indices_are_refused(data_root):
    with pytest.raises(ValueError, match='does not support `indices`'):
        build(data_root, test_mode=True, indices=2)


def test_missing_video_in_test_mode_names_it(data_root):
    (data_root / 'videos' / 'b.mp4').unlink()
    with pytest.raises(FileNotFoundError, match=r"b\.mp4.*video_id 'b'"):
        build(data_root, test_mode=True)[1]
    # skipping is refused at test time: the gallery must stay complete
    skipping = build(data_root, test_mode=True, on_error='skip')
    with pytest.raises(
            RuntimeError, match=r"test sample 1 .*b\.mp4.*only applies"):
        skipping[1]


def test_skips_are_counted_across_workers_and_reported(data_root):
    (data_root / 'videos' / 'a.mp4').write_bytes(b'corrupt')
    ds = build(data_root, test_mode=False, on_error='skip')
    ds._rand_another = lambda: 3  # refetch deterministically ('b0')
    loader = DataLoader(
        ds, batch_size=1, num_workers=2, collate_fn=lambda batch: batch)
    items = [item for batch in loader for item in batch]
    # samples 0-2 (video a) were each replaced by sample 3
    assert [item['video_id'] for item in items] == ['b'] * 4 + ['c'] * 2

    logger = MMLogger.get_instance('test_skip_report', log_level='INFO')
    runner = SimpleNamespace(epoch=0, logger=logger, train_dataloader=loader)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        ReportSkippedVideosHook().after_train_epoch(runner)
        ReportSkippedVideosHook().after_train_epoch(runner)  # reset: silent
    finally:
        logger.removeHandler(handler)
    assert len(records) == 1
    assert records[0].getMessage().startswith(
        'epoch 1: 3 training sample(s) were skipped')


def test_deepcopy_keeps_the_counter_shared(data_root):
    ds = build(data_root, test_mode=False)
    ds.skip_counter.increment()
    clone = copy.deepcopy(ds)
    assert clone.skip_counter._slots.is_shared()
    assert clone.skip_counter.pop() == 1
    assert ds.skip_counter.pop() == 1  # independent counts


def test_full_pipeline_packs_model_inputs(data_root):
    # built from mmengine's scope: the 'tmass_mm.' prefix names our parts
    pipeline = [
        dict(type='tmass_mm.LoadVideoFrames', num_frames=4),
        dict(type='tmass_mm.ResizeShortSide', size=32),
        dict(type='tmass_mm.CenterCropFrames', size=32),
        dict(type='tmass_mm.TokenizeTexts'),
        dict(type='tmass_mm.PackRetrievalInputs'),
    ]
    ds = MMENGINE_DATASETS.build(
        dict(
            type='tmass_mm.VATEXDataset',
            split='test',
            data_root=str(data_root),
            video_root='videos',
            pipeline=pipeline,
            test_mode=True))
    packed = ds[0]
    imgs, texts = packed['inputs']['imgs'], packed['inputs']['texts']
    assert imgs.dtype == torch.uint8 and imgs.shape == (4, 3, 32, 32)
    assert texts.dtype == torch.int64 and texts.shape == (3, 77)
    sample = packed['data_samples']
    assert sample.video_id == 'a' and sample.video_index == 0
    assert sample.text_indices == [0, 1, 2]
    assert sample.texts == ['a0', 'a1', 'a2']
    np.testing.assert_array_equal(sample.frame_inds, [0, 1, 3, 4])


def test_the_skip_hook_lives_in_the_engine_and_is_still_found():
    from mmengine.config import Config
    from mmengine.registry import HOOKS as MMENGINE_HOOKS

    from tmass_mm.engine import ReportSkippedVideosHook as EngineHook
    from tmass_mm.engine.hooks.skipped_videos_hook import skip_counters
    assert ReportSkippedVideosHook is EngineHook
    assert EngineHook.__module__ == 'tmass_mm.engine.hooks.skipped_videos_hook'
    runtime = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'default_runtime.py'))
    key = [
        h for h in runtime.custom_hooks if h.type == 'ReportSkippedVideosHook'
    ]
    assert isinstance(
        MMENGINE_HOOKS.build(dict(key[0], _scope_='tmass_mm')), EngineHook)
    assert skip_counters(object()) == []
