import math
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
from mmengine.optim import OptimWrapper
from tiny_models import TINY_CLIP_CFG

from tmass_mm.engine import ClampLogitScaleHook
from tmass_mm.structures import RetrievalDataSample


def make_batch(num_videos=4, captions_per_video=1, frames=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    samples, texts, start = [], [], 0
    for v in range(num_videos):
        ids = list(range(start, start + captions_per_video))
        start += captions_per_video
        samples.append(
            RetrievalDataSample(
                metainfo=dict(
                    video_id=f'video{v}',
                    video_index=v,
                    text_indices=ids,
                    texts=[f'caption {i}' for i in ids])))
        texts.append(
            torch.randint(1, 49000, (captions_per_video, 77), generator=gen))
    imgs = [
        torch.randint(
            0, 256, (frames, 3, 32, 32), generator=gen, dtype=torch.uint8)
        for _ in range(num_videos)
    ]
    return dict(inputs=dict(imgs=imgs, texts=texts), data_samples=samples)


def test_preprocessor_normalises_and_concatenates(build_tiny_retriever):
    model = build_tiny_retriever()
    batch = make_batch(num_videos=2, captions_per_video=3)
    data = model.data_preprocessor(batch)
    imgs, texts = data['inputs']['imgs'], data['inputs']['texts']
    assert imgs.shape == (2, 4, 3, 32, 32) and texts.shape == (6, 77)
    raw = batch['inputs']['imgs'][1][2, 0, 5, 7].item()
    expected = (raw / 255 - 0.48145466) / 0.26862954
    assert imgs[1, 2, 0, 5, 7].item() == pytest.approx(expected, rel=1e-5)


def test_predict_attaches_embeddings_per_sample(build_tiny_retriever):
    model = build_tiny_retriever().eval()
    data = model.data_preprocessor(make_batch(3, captions_per_video=2))
    with torch.no_grad():
        samples = model(**data, mode='predict')
        text, video = model(**data, mode='tensor')
    assert samples[1].text_embeds.shape == (2, 32)
    assert samples[1].video_embeds.shape == (4, 32)
    torch.testing.assert_close(samples[2].text_embeds, text[4:6])
    torch.testing.assert_close(samples[2].video_embeds, video[2])


def test_loss_refuses_several_captions_per_video(build_tiny_retriever):
    model = build_tiny_retriever()
    data = model.data_preprocessor(make_batch(2, captions_per_video=2))
    with pytest.raises(ValueError, match='one caption per video'):
        model(**data, mode='loss')


def test_train_step_lowers_the_loss(build_tiny_retriever):
    model = build_tiny_retriever(support_weight=0.8)
    wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    batch = make_batch(num_videos=4)
    totals = []
    for _ in range(8):
        log_vars = model.train_step(batch, wrapper)
        totals.append(log_vars['loss'].item())
    assert set(log_vars) == {'loss', 'loss_stochastic', 'loss_support'}
    assert totals[-1] < 0.5 * totals[0], totals


def test_bf16_autocast_train_step_is_finite(build_tiny_retriever):
    model = build_tiny_retriever(support_weight=0.8)
    with torch.no_grad():
        model.head.sampler.radius_module.linear.bias.fill_(15.0)
    wrapper = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-4))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        log_vars = model.train_step(make_batch(), wrapper)
    for name, value in log_vars.items():
        assert math.isfinite(value.item()), name
    for name, param in model.named_parameters():
        assert torch.isfinite(param).all(), name


def test_clamp_hook_bounds_the_temperature(build_tiny_retriever):
    model = build_tiny_retriever()
    with torch.no_grad():
        model.backbone.logit_scale.fill_(7.0)
    ClampLogitScaleHook().after_train_iter(SimpleNamespace(model=model), 0)
    assert model.backbone.logit_scale.item() == pytest.approx(math.log(100))
    with torch.no_grad():
        model.backbone.logit_scale.fill_(1.0)
    ClampLogitScaleHook().after_train_iter(SimpleNamespace(model=model), 0)
    assert model.backbone.logit_scale.item() == 1.0


HOST_PROJECT = '''
from mmengine.registry import MODELS, Registry, DefaultScope
HOST = Registry('model', parent=MODELS, scope='host')
DefaultScope.get_instance('host_run', scope_name='host')
import tmass_mm  # what custom_imports=dict(imports=['tmass_mm']) does
neck = HOST.build(dict(_scope_='tmass_mm', type='XPoolNeck', embed_dim=8))
head = MODELS.build(dict(type='tmass_mm.TMASSHead', sampler=dict(
    type='StochasticTextSampler',
    radius=dict(type='SimilarityRadius', num_frames=2, embed_dim=8))))
from mmengine.registry import METRICS
metric = METRICS.build(dict(type='tmass_mm.RetrievalMetric',
                            protocol='official'))
cfg = dict(type='tmass_mm.TMASSRetriever',
           backbone=dict(type='CLIPEncoder', model_cfg=TINY),
           neck=dict(type='XPoolNeck', embed_dim=32),
           head=dict(type='TMASSHead', sampler=dict(
               type='StochasticTextSampler',
               radius=dict(type='UnlearnableRadius', embed_dim=32))))
model = MODELS.build(cfg)
print(type(neck).__module__, type(head).__name__, metric.protocol,
      type(model.head.sampler.radius_module).__name__)
'''


def test_parts_build_from_a_host_project_scope():
    script = f'TINY = {TINY_CLIP_CFG!r}\n' + HOST_PROJECT
    out = subprocess.run([sys.executable, '-c', script],
                         capture_output=True,
                         text=True,
                         check=True)
    assert out.stdout.splitlines()[-1].split() == [
        'tmass_mm.models.necks.xpool', 'TMASSHead', 'official',
        'UnlearnableRadius'
    ]
