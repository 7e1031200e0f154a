"""The analysis tools refuse checkpoints that do not set the neck and head
(unrelated keys, another config, other shapes), unless ``--allow-partial``.
"""
import pytest
import torch
from analysis_tool_helpers import import_tool, write_setup


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    return write_setup(tmp_path_factory.mktemp('analysis_checkpoints'))


def other_state(setup, case):
    state = setup['model'].state_dict()
    if case == 'unrelated':
        return {'classifier.weight': torch.zeros(2, 2)}
    if case == 'other_config':  # half of it: no neck weights
        return {k: v for k, v in state.items() if not k.startswith('neck.')}
    radius = 'head.sampler.radius_module.linear.weight'
    return dict(state, **{radius: torch.zeros(state[radius].shape[0], 6)})


@pytest.mark.parametrize('tool_name, case, message', [
    ('eval_embeddings', 'unrelated', 'lacks'),
    ('eval_embeddings', 'other_config', 'lacks'),
    ('eval_embeddings', 'shapes', 'does not match the config'),
    ('visualize_radius', 'other_config', 'lacks'),
])
def test_refused_then_allowed_partially(setup, tmp_path, tool_name, case,
                                        message):
    tool = import_tool(tool_name)
    path = str(tmp_path / f'{case}.pth')
    torch.save(dict(meta={}, state_dict=other_state(setup, case)), path)
    args = [setup['config'], path, setup['embeddings'], '--device', 'cpu']
    if tool_name == 'visualize_radius':
        args += ['--query', '0', '--out', str(tmp_path / 'radius.png')]
    with pytest.raises(SystemExit) as error:
        tool.main(args)
    assert f'{path} {message}' in str(error.value)
    tool.main(args + ['--allow-partial'])  # loads what matches, warns
