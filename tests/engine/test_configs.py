"""Every shipped config parses and builds its model (random init); recipes
never select their checkpoint on the test split; the 8xb4 recipes train the
1xb32 ones' global batch."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from tmass_mm.apis.run_setup import (apply_global_batch_size,
                                     apply_selection_policy,
                                     checkpoint_selection, global_batch)
from tmass_mm.registry import DATASETS, MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FIXTURES = osp.join(ROOT, '..', 'shared', 'fixtures')
CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)
RECIPES = [p for p in CONFIGS if osp.sep + 'demo' + osp.sep not in p]
# the 8xb4 recipes only change the batch per GPU (checked below)
BUILT = [p for p in CONFIGS if '_8xb4-' not in p]
BENCHMARKS = ('msrvtt-9k', 'lsmdc', 'didemo', 'vatex', 'charades')
# benchmarks with an official validation split; the others keep the last
# epoch
VALIDATED = ('lsmdc', 'didemo', 'vatex', 'custom')


@pytest.fixture
def logged(monkeypatch):
    """Messages the run set-up logs (MMEngine's logger keeps the stdout
    it found first, out of capsys' reach)."""
    messages = []
    for module in (checkpoint_selection, global_batch):
        monkeypatch.setattr(module, 'print_log',
                            lambda msg, **kwargs: messages.append(msg))
    return messages


def ids(paths):
    return [osp.relpath(p, ROOT) for p in paths]


def recipe(backbone, gpus_batch, data):
    return Config.fromfile(
        osp.join(ROOT, 'configs', 'tmass',
                 f'tmass_vit-{backbone}_{gpus_batch}-12f-5e_{data}.py'))


def test_all_recipes_are_there():
    names = {osp.basename(p) for p in CONFIGS}
    for backbone in ('b32', 'b16'):
        for data in BENCHMARKS:
            for gpus_batch in ('1xb32', '8xb4'):
                assert (f'tmass_vit-{backbone}_{gpus_batch}-12f-5e_{data}.py'
                        in names)
    assert 'tmass_vitb32_lsmdc.py' in names  # the design card's short path


@pytest.mark.parametrize('path', BUILT, ids=ids(BUILT))
def test_config_builds_its_model(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'tmass_mm'
    cfg.model.backbone.pretrained = None
    with DefaultScope.overwrite_default_scope('tmass_mm'):
        model = MODELS.build(cfg.model)
        for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if cfg[split] is not None:
                assert DATASETS.get(cfg[split].dataset.type) is not None
    frames = cfg.train_dataloader.dataset.pipeline[0].num_frames
    assert model.head.sampler.radius_module.num_frames == frames
    assert model.neck.embed_dim == model.backbone.embed_dim


def files_read(dataset_cfg) -> tuple:
    """The annotation files a dataset definition reads."""
    with DefaultScope.overwrite_default_scope('tmass_mm'):
        dataset = DATASETS.build(dict(dataset_cfg, lazy_init=True))
    return (dataset.ann_file, getattr(dataset, 'split_file',
                                      None), dataset.split)


@pytest.mark.parametrize('path', RECIPES, ids=ids(RECIPES))
def test_validation_never_reads_the_test_data(path):
    cfg = Config.fromfile(path)
    assert cfg.select_on_test is False
    checkpoint = cfg.default_hooks.checkpoint
    if any(data in path for data in VALIDATED):
        val, test = (
            files_read(cfg[key].dataset)
            for key in ('val_dataloader', 'test_dataloader'))
        assert val[-1] == 'val' and test[-1] == 'test'
        if 'custom' not in path:  # one file holds every split of your own
            assert val[0] != test[0]  # another annotation file
        assert checkpoint.save_best == 'retrieval/t2v/R1'
    else:  # no selection: no validation, the last epoch is the result
        assert cfg.val_dataloader is None and cfg.val_cfg is None
        assert cfg.val_evaluator is None and checkpoint.save_best is None
        files_read(cfg.test_dataloader.dataset)


@pytest.mark.parametrize('path', RECIPES, ids=ids(RECIPES))
def test_select_on_test_validates_on_the_test_split(path, logged):
    cfg = Config.fromfile(path)
    cfg.select_on_test = True
    apply_selection_policy(cfg)
    assert files_read(cfg.val_dataloader.dataset) == files_read(
        cfg.test_dataloader.dataset)
    assert cfg.val_evaluator == cfg.test_evaluator
    assert cfg.val_cfg.type == 'RetrievalValLoop'
    assert cfg.default_hooks.checkpoint.save_best == 'retrieval/t2v/R1'
    assert len(logged) == 1 and 'TEST split' in logged[0]


@pytest.mark.parametrize('backbone', ['b32', 'b16'])
@pytest.mark.parametrize('data', BENCHMARKS)
def test_8xb4_recipe_is_the_1xb32_one_on_8_gpus(backbone, data):
    single, eight = recipe(backbone, '1xb32',
                           data), recipe(backbone, '8xb4', data)
    assert single.train_dataloader.batch_size == 32
    assert 8 * eight.train_dataloader.batch_size == 32
    eight.train_dataloader.batch_size = 32
    assert eight.to_dict() == single.to_dict()


def test_headline_config_splits_its_global_batch_over_the_gpus():
    path = osp.join(ROOT, 'configs', 'tmass_vitb32_lsmdc.py')
    for world_size, per_gpu in ((1, 32), (2, 16), (8, 4), (32, 1)):
        cfg = Config.fromfile(path)
        apply_global_batch_size(cfg, world_size)
        assert cfg.train_dataloader.batch_size == per_gpu
    cfg = Config.fromfile(path)
    with pytest.raises(SystemExit, match='32 cannot be split evenly over 3'):
        apply_global_batch_size(cfg, 3)


def test_other_global_batch_than_the_recipes_warns(logged):
    cfg = recipe('b32', '1xb32', 'lsmdc')
    apply_global_batch_size(cfg, 8)  # 8 x 32 = 256
    assert cfg.train_dataloader.batch_size == 32
    assert len(logged) == 1 and 'global batch is 256' in logged[0]
    apply_global_batch_size(recipe('b32', '8xb4', 'lsmdc'), 8)
    cfg = recipe('b32', '1xb32', 'lsmdc')
    cfg.auto_scale_lr.enable = True  # --auto-scale-lr: another batch wanted
    apply_global_batch_size(cfg, 4)
    assert len(logged) == 1


@pytest.mark.skipif(
    not osp.isdir(FIXTURES), reason='shared annotation fixtures absent')
def test_official_validation_videos_are_not_test_videos():
    """On the real split files: the validation galleries share no video
    with the test galleries."""
    for data in ('didemo', 'vatex'):
        cfg = recipe('b32', '1xb32', data)
        galleries = {}
        for key in ('val_dataloader', 'test_dataloader'):
            ann_file, split_file, split = files_read(
                dict(cfg[key].dataset, data_root=osp.join(FIXTURES, data)))
            with open(split_file or ann_file) as f:
                galleries[split] = {line.strip() for line in f} - {''}
        assert len(galleries['val']) == (1500 if data == 'vatex' else 1065)
        assert not galleries['val'] & galleries['test']
