"""The bundled demo: train -> val -> test through the Runner, shrunk."""
import glob
import math

import numpy as np
import open_clip
from demo_configs import DEMO, LOADERS, small_demo_cfg
from mmengine.config import Config
from mmengine.runner import Runner

from tmass_mm.demo.shape_scenes import (all_combinations, make_captions,
                                        plan_attributes, sample_scene)


def test_demo_trains_validates_and_tests(tmp_path):
    runner = Runner.from_cfg(small_demo_cfg(tmp_path))
    runner.train()
    metrics = runner.test()

    for direction in ('t2v', 'v2t'):
        for name in ('R1', 'R5', 'R10', 'R50', 'MdR', 'MnR'):
            value = metrics[f'retrieval/{direction}/{name}']
            assert math.isfinite(value), (direction, name, value)
    assert 0 <= metrics['retrieval/t2v/R1'] <= 100

    work_dir = tmp_path / 'work'
    assert (work_dir / 'epoch_2.pth').is_file()
    assert glob.glob(str(work_dir / 'best_retrieval_t2v_R1_epoch_*.pth'))
    logs = glob.glob(str(work_dir / '*' / '*.log'))
    assert len(logs) == 1
    with open(logs[0]) as f:
        log = f.read()
    assert 'Epoch(val) [2]' in log and 'Epoch(test)' in log
    assert log.count('retrieval/t2v/R1') >= 3  # 2 validations + the test
    assert 'SyntheticShapes: generating' in log  # progress was shown
    # the data went where the config said, not into the work dir
    assert (tmp_path / 'data' / 'train' / 'annotations.json').is_file()


def test_demo_captions_fit_the_text_context():
    cfg = Config.fromfile(DEMO)
    context = cfg.model.backbone.model_cfg.text_cfg.context_length
    for key in LOADERS:
        tokenize = [
            t for t in cfg[key].dataset.pipeline if t.type == 'TokenizeTexts'
        ]
        assert [t.context_length for t in tokenize] == [context]
    tokenizer = open_clip.get_tokenizer('ViT-B-32')  # 77 tokens
    rng = np.random.default_rng(0)
    longest = 0
    for attributes in plan_attributes(rng, 2 * len(all_combinations())):
        scene = sample_scene(rng, attributes)
        tokens = tokenizer(make_captions(rng, scene, 4))
        longest = max(longest, int((tokens > 0).sum(1).max()))
    assert longest <= context  # no caption is truncated


def test_demo_galleries_have_one_answer_per_caption():
    cfg = Config.fromfile(DEMO)
    for key in ('val_dataloader', 'test_dataloader'):
        gallery = cfg[key].dataset
        assert gallery.test_mode and gallery.captions_per_video == 1
        assert gallery.num_videos <= len(all_combinations())
    splits = {cfg[key].dataset.split for key in LOADERS}
    assert len(splits) == 3  # best checkpoint not chosen on the test set
