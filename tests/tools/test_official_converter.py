"""The official T-MASS checkpoint converter against Hugging Face's CLIP.

A tiny random HF ``CLIPModel`` plus random X-Pool and radius weights are saved
in the public trainer's layout, converted, and loaded into a tiny
``TMASSRetriever`` (the ``build_tiny_retriever`` fixture). Text and frame
features must equal HF's, pooled embeddings and radii must equal the official
modules written out below in plain torch.
"""
import importlib.util
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import open_clip
import pytest
import torch
from mmengine.runner import load_checkpoint
from torch.nn.functional import layer_norm, normalize, softmax

from tmass_mm.converters.official_tmass import (convert_official_checkpoint,
                                                convert_state_dict)

transformers = pytest.importorskip('transformers')

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'model_converters' / 'tmass_official_to_mm.py'
NUM_FRAMES = 4
EMBED_DIM = 32
POSITION_IDS = {
    'clip.text_model.embeddings.position_ids': 77,
    'clip.vision_model.embeddings.position_ids': 5,
}
# What the X-Pool AdamW (with its LambdaLR schedule) puts in 'optimizer'.
OPTIMIZER_STATE = {
    'state': {
        0: {
            'step': 3,
            'exp_avg': torch.zeros(2),
            'exp_avg_sq': torch.zeros(2)
        },
    },
    'param_groups': [
        {
            'lr': 1e-6,
            'betas': (0.9, 0.999),
            'eps': 1e-6,
            'weight_decay': 0.2,
            'correct_bias': True,
            'initial_lr': 1e-6,
            'params': [0]
        },
        {
            'lr': 1e-5,
            'betas': (0.9, 0.999),
            'eps': 1e-6,
            'weight_decay': 0.2,
            'correct_bias': True,
            'initial_lr': 1e-5,
            'params': []
        },
    ],
}
TOLERANCE = dict(atol=1e-5, rtol=1e-5)


@pytest.fixture(scope='module')
def hf_clip():
    """A tiny HF CLIP matching ``tests/conftest.py``'s open_clip config,
    every parameter perturbed so that no mapping error can hide."""
    common = dict(
        hidden_size=64,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,
        hidden_act='quick_gelu',
        projection_dim=EMBED_DIM)
    config = transformers.CLIPConfig(
        # eos_token_id=2 as in OpenAI's HF configs: pooling at the argmax id.
        text_config=dict(
            common,
            vocab_size=49408,
            max_position_embeddings=77,
            eos_token_id=2),
        vision_config=dict(common, image_size=32, patch_size=16),
        projection_dim=EMBED_DIM)
    torch.manual_seed(0)
    model = transformers.CLIPModel(config).eval()
    with torch.no_grad():
        for param in model.parameters():
            param.add_(torch.randn_like(param) * 0.05)
    return model


def _random_linear(gen, out_dim, in_dim, prefix):
    return {
        f'{prefix}.weight':
        torch.eye(out_dim, in_dim) +
        0.2 * torch.randn(out_dim, in_dim, generator=gen),
        f'{prefix}.bias':
        0.1 * torch.randn(out_dim, generator=gen),
    }


def _random_norm(gen, prefix):
    return {
        f'{prefix}.weight': 1 + 0.1 * torch.randn(EMBED_DIM, generator=gen),
        f'{prefix}.bias': 0.1 * torch.randn(EMBED_DIM, generator=gen),
    }


@pytest.fixture(scope='module')
def official(hf_clip):
    """The official model state dict: HF CLIP under ``clip.`` (without
    ``position_ids``), random pooling and radius, a NaN learnable_scalar."""
    state = {
        f'clip.{k}': v
        for k, v in hf_clip.state_dict().items()
        if not k.endswith('position_ids')
    }
    gen = torch.Generator().manual_seed(1)
    for name in ('layer_norm1', 'layer_norm2', 'layer_norm3'):
        state.update(_random_norm(gen, f'pool_frames.{name}'))
    for name in ('cross_attn.q_proj', 'cross_attn.k_proj', 'cross_attn.v_proj',
                 'cross_attn.out_proj', 'linear_proj'):
        state.update(
            _random_linear(gen, EMBED_DIM, EMBED_DIM, f'pool_frames.{name}'))
    state.update(
        _random_linear(gen, EMBED_DIM, NUM_FRAMES,
                       'stochastic.std_branch.linear_proj'))
    state['stochastic.std_branch.learnable_scalar'] = torch.tensor(
        [float('nan')])
    return state


def with_position_ids(state):
    """The same state dict as saved by transformers < 4.31."""
    state = dict(state)
    for key, length in POSITION_IDS.items():
        state[key] = torch.arange(length).unsqueeze(0)
    return state


def save_official(path, state):
    torch.save(
        dict(epoch=5, state_dict=state, optimizer=OPTIMIZER_STATE), path)
    return str(path)


def hf_features(output):
    """``get_*_features`` returns a tensor (transformers 4) or an output
    whose ``pooler_output`` is the projected feature (transformers 5)."""
    return output if torch.is_tensor(output) else output.pooler_output


def official_pool(weights, text, frames):
    """The official X-Pool ``Transformer`` (one head) for ONE text ``[D]``
    and ONE video ``[F, D]``, with the official weights."""

    def norm(x, name):
        return layer_norm(x, (EMBED_DIM, ),
                          weights[f'pool_frames.{name}.weight'],
                          weights[f'pool_frames.{name}.bias'])

    def linear(x, name):
        return (x @ weights[f'pool_frames.{name}.weight'].T +
                weights[f'pool_frames.{name}.bias'])

    text, frames = norm(text, 'layer_norm1'), norm(frames, 'layer_norm1')
    query = linear(text, 'cross_attn.q_proj')
    keys = linear(frames, 'cross_attn.k_proj')
    values = linear(frames, 'cross_attn.v_proj')
    attn = softmax(keys @ query / math.sqrt(EMBED_DIM), dim=0)
    attn_out = norm(
        linear(attn @ values, 'cross_attn.out_proj'), 'layer_norm2')
    return norm(attn_out + linear(attn_out, 'linear_proj'), 'layer_norm3')


def official_radius(weights, text, frames):
    """``exp(W cos(t, f) + b)`` for ONE text ``[D]`` and video ``[F, D]``."""
    sims = normalize(frames, dim=-1) @ normalize(text, dim=-1)
    weight = weights['stochastic.std_branch.linear_proj.weight']
    bias = weights['stochastic.std_branch.linear_proj.bias']
    return torch.exp(weight @ sims + bias)


def run_tool(monkeypatch, src, dst):
    """Run the converter script's ``main`` in this process."""
    monkeypatch.setattr(sys, 'argv', [TOOL.name, src, dst])
    spec = importlib.util.spec_from_file_location('converter_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main()


def test_cli_converts_an_official_file(tmp_path, official):
    src = save_official(tmp_path / 'model_best.pth',
                        with_position_ids(official))
    dst = tmp_path / 'converted.pth'
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, str(TOOL), src,
         str(dst)],
        capture_output=True,
        text=True,
        env=env,
        check=True)
    assert 'epoch 5' in result.stdout
    for group in ('backbone', 'neck', 'radius'):
        assert f'{group}: ' in result.stdout
    for key in (*POSITION_IDS, 'stochastic.std_branch.learnable_scalar'):
        assert f'dropped unused {key}' in result.stdout
    assert 'WARNING' not in result.stdout
    checkpoint = torch.load(dst, weights_only=True)
    assert set(checkpoint) == {'meta', 'state_dict'}
    assert checkpoint['meta']['missing_groups'] == []
    assert checkpoint['meta']['architecture'] == dict(
        vision=dict(width=64, patch_size=16, image_size=32, layers=2),
        text=dict(width=64, vocab_size=49408, context_length=77, layers=2),
        embed_dim=EMBED_DIM,
        num_frames=NUM_FRAMES)


def test_converted_model_matches_official(tmp_path, official, hf_clip,
                                          build_tiny_retriever):
    dst = str(tmp_path / 'converted.pth')
    convert_official_checkpoint(
        save_official(tmp_path / 'official.pth', official), dst)
    model = build_tiny_retriever(num_frames=NUM_FRAMES, seed=1).eval()
    load_checkpoint(model, dst, map_location='cpu', strict=True)

    tokens = open_clip.tokenize([
        'a dog runs on the beach', 'cooking', 'a man plays a guitar on a stage'
    ])
    frames = torch.randn(
        2, NUM_FRAMES, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        text = model.backbone.encode_text(tokens)
        video = model.backbone.encode_video(frames)
        pooled = model.neck(text, video)
        radius = model.head.sampler.radius(text, video)
        hf_text = hf_features(hf_clip.get_text_features(input_ids=tokens))
        hf_video = hf_features(
            hf_clip.get_image_features(
                pixel_values=frames.flatten(0, 1))).view(2, NUM_FRAMES, -1)

    torch.testing.assert_close(text, hf_text, **TOLERANCE)
    torch.testing.assert_close(video, hf_video, **TOLERANCE)
    torch.testing.assert_close(model.backbone.logit_scale.detach(),
                               official['clip.logit_scale'])
    for v, video_frames in enumerate(hf_video):
        for t, caption in enumerate(hf_text):
            torch.testing.assert_close(
                pooled[v, t], official_pool(official, caption, video_frames),
                **TOLERANCE)
            torch.testing.assert_close(
                radius[v, t], official_radius(official, caption, video_frames),
                **TOLERANCE)


def test_position_ids_are_optional(official):
    old, old_report = convert_state_dict(with_position_ids(official))
    new, new_report = convert_state_dict(official)
    assert old.keys() == new.keys()
    for key in old:
        torch.testing.assert_close(old[key], new[key], rtol=0, atol=0)
    assert set(old_report['dropped_keys']) - set(new_report['dropped_keys']) \
        == set(POSITION_IDS)


def test_partial_file_converts_what_it_holds(tmp_path, official, capsys,
                                             monkeypatch,
                                             build_tiny_retriever):
    clip_only = {k: v for k, v in official.items() if k.startswith('clip.')}
    src = save_official(tmp_path / 'clip_only.pth', clip_only)
    dst = str(tmp_path / 'converted.pth')
    run_tool(monkeypatch, src, dst)
    out = capsys.readouterr().out
    assert 'WARNING: no neck weights' in out
    assert 'WARNING: no radius weights' in out
    assert 'backbone: ' in out

    checkpoint = torch.load(dst, weights_only=True)
    assert checkpoint['meta']['missing_groups'] == ['neck', 'radius']
    model = build_tiny_retriever(num_frames=NUM_FRAMES)
    missing, unexpected = model.load_state_dict(
        checkpoint['state_dict'], strict=False)
    assert unexpected == []
    assert missing and all(k.startswith(('neck.', 'head.')) for k in missing)


@pytest.mark.parametrize('key', [
    'temporal_module.weight',
    'clip.text_model.encoder.layers.0.self_attn.rotary.weight',
    'clip.vision_model.head.weight',
    'pool_frames.cross_attn.gate.weight',
    'stochastic.std_branch.linear_proj.scale',
])
def test_unknown_key_is_an_error_naming_it(tmp_path, official, key):
    src = save_official(tmp_path / 'odd.pth',
                        dict(official, **{key: torch.zeros(1)}))
    with pytest.raises(KeyError, match=re.escape(key)):
        convert_official_checkpoint(src, str(tmp_path / 'converted.pth'))


def test_cli_reports_an_unknown_key(tmp_path, official, monkeypatch):
    src = save_official(tmp_path / 'odd.pth',
                        dict(official, extra_head=torch.zeros(1)))
    dst = tmp_path / 'converted.pth'
    with pytest.raises(SystemExit) as error:
        run_tool(monkeypatch, src, str(dst))
    assert 'unknown key in the official checkpoint: extra_head' in \
        str(error.value)
    assert not dst.exists()


def test_incomplete_attention_is_an_error(official):
    key = 'clip.vision_model.encoder.layers.1.self_attn.k_proj.bias'
    state = {k: v for k, v in official.items() if k != key}
    with pytest.raises(KeyError, match='k_proj'):
        convert_state_dict(state)


class RunsCode:

    def __reduce__(self):
        return os.system, ('touch MARKER', )


@pytest.mark.parametrize('content, problem', [
    ('text', 'is not a checkpoint written by torch.save'),
    ('bytes', 'is not a checkpoint written by torch.save'),
    ('code', 'holds code, not only tensors (it refers to posix.system)'),
])
def test_cli_names_a_file_it_cannot_read(tmp_path, monkeypatch, content,
                                         problem):
    src = tmp_path / 'model_best.pth'
    if content == 'text':
        src.write_text('see https://example.org for the weights\n' * 4)
    elif content == 'bytes':
        src.write_bytes(bytes(range(3, 256)) * 4)
    else:
        torch.save(dict(state_dict=dict(x=RunsCode())), src)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as error:
        run_tool(monkeypatch, str(src), str(tmp_path / 'converted.pth'))
    assert str(error.value).startswith(f'cannot convert {src}: {src} ')
    assert problem in str(error.value)
    assert not (tmp_path / 'MARKER').exists()
