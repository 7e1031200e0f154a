"""``tools/analysis_tools/eval_embeddings.py`` against the model's own
scoring and against X-Pool scores computed here from the neck.

One subprocess run checks the command line end to end; the other cases call
the tool's functions in-process (importing torch and open_clip in a fresh
process is most of a run's time).
"""
import json

import numpy as np
import pytest
import torch
from analysis_tool_helpers import (EVAL_SEED, ToolRun, import_tool,
                                   write_config, write_setup)
from torch.nn.functional import normalize

from tmass_mm.evaluation.retrieval_scores import (first_caption_of_each_video,
                                                  metrics_from_scores)

KEYS = {'R1', 'R5', 'R10', 'R50', 'MdR', 'MnR'}


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    return write_setup(tmp_path_factory.mktemp('eval_embeddings'))


@pytest.fixture(scope='module', autouse=True)
def command_line_run(setup, tmp_path_factory):
    """The command line run checked by :func:`test_command_line`, started
    before the other tests of this module."""
    folder = tmp_path_factory.mktemp('eval_cli')
    run = ToolRun('eval_embeddings', setup['config'], setup['checkpoint'],
                  setup['embeddings'], '--protocol', 'official', '--out',
                  folder / 'metrics.json', '--dump-sims', folder / 'sims.pth')
    yield run, folder
    run.stop()


@pytest.fixture(scope='module')
def tool():
    return import_tool('eval_embeddings')


def model_scores(setup, protocol='tmass', seed=EVAL_SEED):
    """``[T, V]`` scores from ``model.score_all_pairs`` (one video block, so
    the block seed is ``seed`` itself)."""
    embeds = setup['embeds']
    pool = None
    if protocol == 'official':
        pool = first_caption_of_each_video(embeds['text_to_video'],
                                           len(embeds['video_embeds']))
    with torch.no_grad():
        return setup['model'].score_all_pairs(
            embeds['text_embeds'], embeds['video_embeds'], pool, seed=seed)


def xpool_scores(setup, protocol):
    """X-Pool's deterministic scores from the neck: cos(t, p(v|t)), or
    cos(t, p(v|t_gt(v))) with ``t_gt(v)`` v's first caption (official)."""
    embeds, neck = setup['embeds'], setup['model'].neck
    text, video = embeds['text_embeds'], embeds['video_embeds']
    with torch.no_grad():
        if protocol == 'tmass':
            pooled = neck(text, video).transpose(0, 1)  # [T, V, D]
        else:
            first = [
                embeds['text_to_video'].tolist().index(v)
                for v in range(len(video))
            ]
            pooled = neck(text[first], video, all_pairs=False)  # [V, D]
            pooled = pooled[None].expand(len(text), -1, -1)
    return (normalize(text, dim=-1)[:, None] *
            normalize(pooled, dim=-1)).sum(-1)


def expected_metrics(sims, setup, *args, **kwargs):
    return metrics_from_scores(sims, setup['embeds']['text_to_video'], *args,
                               **kwargs)


@pytest.mark.parametrize('protocol', ['tmass', 'official'])
@pytest.mark.parametrize('post', ['none', 'dsl'])
def test_equals_model_scoring(setup, tool, tmp_path, protocol, post):
    sims_file = tmp_path / 'sims.pth'
    metrics = tool.eval_embeddings(
        setup['config'],
        setup['checkpoint'],
        setup['embeddings'],
        protocol=protocol,
        post=post,
        dump_sims=str(sims_file),
        device='cpu')
    reference = model_scores(setup, protocol)
    torch.testing.assert_close(
        torch.load(sims_file, weights_only=True)['sims'], reference)
    assert metrics == expected_metrics(reference, setup, post)


@pytest.mark.parametrize('protocol', ['tmass', 'official'])
def test_zero_noise_is_xpool(setup, tool, tmp_path, protocol):
    sims_file = tmp_path / 'sims.pth'
    metrics = tool.main([
        setup['config'], setup['checkpoint'], setup['embeddings'], '--prior',
        'normal', '--prior-std', '0', '--trials', '1', '--protocol', protocol,
        '--dump-sims',
        str(sims_file), '--device', 'cpu'
    ])
    reference = xpool_scores(setup, protocol)
    sims = torch.load(sims_file, weights_only=True)['sims']
    torch.testing.assert_close(sims, reference, atol=1e-5, rtol=1e-5)
    assert metrics == expected_metrics(reference, setup)
    # the stochastic default differs, so the override did take effect
    assert not torch.allclose(model_scores(setup, protocol), reference)


def test_checkpoint_without_backbone(setup, tool):
    full = tool.eval_embeddings(
        setup['config'],
        setup['checkpoint'],
        setup['embeddings'],
        device='cpu')
    assert tool.eval_embeddings(
        setup['config'],
        setup['no_backbone'],
        setup['embeddings'],
        device='cpu') == full
    assert full == expected_metrics(model_scores(setup), setup)


def test_mmengine_training_checkpoint(setup, tool, tmp_path):
    """The Runner's checkpoints pickle the message hub and numpy objects,
    which ``weights_only=True`` refuses; the tool still reads the weights."""
    from mmengine.logging import HistoryBuffer
    state = torch.load(setup['checkpoint'], weights_only=True)['state_dict']
    path = tmp_path / 'epoch_5.pth'
    torch.save(
        dict(
            meta=dict(epoch=5, mmengine_version='0.10.7'),
            state_dict=state,
            message_hub=dict(
                log_scalars=dict(loss=HistoryBuffer()),
                runtime_info=dict(eta=np.float64(1.0)))), path)
    assert tool.eval_embeddings(setup['config'], str(path),
                                setup['embeddings'], device='cpu') == \
        expected_metrics(model_scores(setup), setup)


def test_missing_neck_is_an_error(setup, tool, tmp_path):
    state = torch.load(setup['checkpoint'], weights_only=True)['state_dict']
    path = tmp_path / 'no_neck.pth'
    torch.save(
        dict(
            meta={},
            state_dict={
                k: v
                for k, v in state.items() if not k.startswith('neck.')
            }), path)
    with pytest.raises(KeyError, match=r'lacks \d+ weights.*neck\.'):
        tool.eval_embeddings(
            setup['config'], str(path), setup['embeddings'], device='cpu')
    with pytest.raises(SystemExit, match='neck.norm_input.weight'):
        tool.main([
            setup['config'],
            str(path), setup['embeddings'], '--device', 'cpu'
        ])


def test_config_defaults_and_cfg_options(setup, tool, tmp_path):
    official = tool.eval_embeddings(
        setup['config'],
        setup['checkpoint'],
        setup['embeddings'],
        protocol='official',
        seed=7,
        device='cpu')
    via_options = tool.eval_embeddings(
        setup['config'],
        setup['checkpoint'],
        setup['embeddings'],
        device='cpu',
        cfg_options={
            'test_evaluator.protocol': 'official',
            'test_evaluator.seed': 7
        })
    assert via_options == official
    assert official == expected_metrics(
        model_scores(setup, 'official', seed=7), setup)


def test_qbnorm_querybank(setup, tool, tmp_path):
    with pytest.raises(ValueError, match='querybank'):
        tool.eval_embeddings(
            setup['config'],
            setup['checkpoint'],
            setup['embeddings'],
            post='qbnorm',
            device='cpu')
    bank = torch.randn(6, setup['embeds']['text_embeds'].shape[1])
    torch.save(dict(text_embeds=bank), tmp_path / 'bank.pth')
    metrics = tool.eval_embeddings(
        setup['config'],
        setup['checkpoint'],
        setup['embeddings'],
        post='qbnorm',
        querybank=str(tmp_path / 'bank.pth'),
        device='cpu')
    with torch.no_grad():
        bank_sims = setup['model'].score_all_pairs(
            bank, setup['embeds']['video_embeds'], None, seed=EVAL_SEED)
    assert metrics == expected_metrics(
        model_scores(setup), setup, 'qbnorm', bank_sims)
    # the config evaluator's querybank is the default
    config = write_config(
        tmp_path / 'qb_cfg.py',
        post_process='qbnorm',
        querybank=str(tmp_path / 'bank.pth'))
    assert tool.eval_embeddings(
        str(config), setup['checkpoint'], setup['embeddings'],
        device='cpu') == metrics


def exit_message(tool, setup, embeddings) -> str:
    """What ``main`` prints when it stops on ``embeddings``."""
    with pytest.raises(SystemExit) as stop:
        tool.main([
            setup['config'], setup['checkpoint'],
            str(embeddings), '--device', 'cpu'
        ])
    return str(stop.value.code)


def test_unreadable_embeddings_file_is_one_sentence(setup, tool, tmp_path):
    missing = tmp_path / 'missing.pth'
    assert exit_message(tool, setup, missing) == \
        f'eval_embeddings: embeddings file {missing} does not exist'
    text = tmp_path / 'embeds.txt'
    text.write_text('text_embeds video_embeds text_to_video\n')
    assert exit_message(tool, setup, text).startswith(
        f'eval_embeddings: embeddings file {text} is not a torch.save file')


def test_float_text_to_video_is_an_error(setup, tool, tmp_path):
    path = tmp_path / 'float.pth'
    torch.save(
        dict(
            setup['embeds'],
            text_to_video=setup['embeds']['text_to_video'] + 0.5), path)
    assert exit_message(tool, setup, path) == (
        f'eval_embeddings: {path}: text_to_video holds torch.float32 values; '
        f'it must hold integer video indices (save it as a long tensor)')


def test_one_video_is_an_error(setup, tool, tmp_path):
    embeds = setup['embeds']
    first = embeds['text_to_video'] == 0
    path = tmp_path / 'one_video.pth'
    torch.save(
        dict(
            text_embeds=embeds['text_embeds'][first],
            video_embeds=embeds['video_embeds'][:1],
            text_to_video=embeds['text_to_video'][first]), path)
    assert 'at least 2 videos, got 1' in exit_message(tool, setup, path)


# last, so the other tests ran while the subprocess started
def test_command_line(setup, command_line_run):
    run, folder = command_line_run
    out, sims_file = folder / 'metrics.json', folder / 'sims.pth'
    result = run.result()
    assert result.returncode == 0, result.stderr
    written = json.loads(out.read_text())
    assert list(written) == ['t2v', 'v2t']
    assert all(set(written[d]) == KEYS for d in written)
    assert json.loads(result.stdout[result.stdout.index('{'):]) == written
    assert 'ground-truth caption' in result.stdout + result.stderr
    sims = torch.load(sims_file, weights_only=True)['sims']
    assert sims.shape == (len(setup['embeds']['text_embeds']),
                          len(setup['embeds']['video_embeds']))
    reference = model_scores(setup, 'official')
    torch.testing.assert_close(sims, reference)
    assert written == expected_metrics(reference, setup)
