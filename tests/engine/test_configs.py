"""Every shipped config parses and builds its model (random init)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from tmass_mm.registry import DATASETS, MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def test_all_recipes_are_there():
    names = {osp.basename(p) for p in CONFIGS}
    for backbone in ('b32', 'b16'):
        for data in ('msrvtt-9k', 'lsmdc', 'didemo', 'vatex', 'charades'):
            assert f'tmass_vit-{backbone}_1xb32-12f-5e_{data}.py' in names
    assert 'tmass_vitb32_lsmdc.py' in names  # the design card's short path


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_config_builds_its_model(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'tmass_mm'
    cfg.model.backbone.pretrained = None
    with DefaultScope.overwrite_default_scope('tmass_mm'):
        model = MODELS.build(cfg.model)
        for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            assert DATASETS.get(cfg[split].dataset.type) is not None
    frames = cfg.train_dataloader.dataset.pipeline[0].num_frames
    assert model.head.sampler.radius_module.num_frames == frames
    assert model.neck.embed_dim == model.backbone.embed_dim
