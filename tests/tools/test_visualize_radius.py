"""``tools/analysis_tools/visualize_radius.py``: the dumped radius against
``exp(W cos(t, f) + b)`` computed here, and the PNG it writes."""
import pytest
import torch
from analysis_tool_helpers import ToolRun, import_tool, write_setup
from torch.nn.functional import normalize

MIN_PNG_BYTES = 30_000


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    return write_setup(tmp_path_factory.mktemp('visualize_radius'))


@pytest.fixture(scope='module', autouse=True)
def command_line_run(setup, tmp_path_factory):
    """The command line run checked by :func:`test_command_line`, started
    before the other tests of this module."""
    folder = tmp_path_factory.mktemp('radius_cli')
    run = ToolRun('visualize_radius', setup['config'], setup['checkpoint'],
                  setup['embeddings'], '--query', 3, '--out',
                  folder / 'radius.png', '--dump', folder / 'radius.pth')
    yield run, folder
    run.stop()


@pytest.fixture(scope='module')
def tool():
    return import_tool('visualize_radius')


def expected_radius(setup, query):
    """``[V, D]``: ``R = exp(W S + b)``, ``S[v, i] = cos(t, f_v[i])``."""
    embeds = setup['embeds']
    linear = setup['model'].head.sampler.radius_module.linear
    text = normalize(embeds['text_embeds'][query], dim=-1)
    frames = normalize(embeds['video_embeds'], dim=-1)
    similarity = frames @ text  # [V, F]
    with torch.no_grad():
        return torch.exp(similarity @ linear.weight.T + linear.bias)


def test_function_default_name(setup, tool, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    radius = tool.main([
        setup['config'], setup['no_backbone'], setup['embeddings'], '--query',
        '0', '--device', 'cpu', '--negatives', '2'
    ])
    assert (tmp_path / 'radius_query0.png').stat().st_size > MIN_PNG_BYTES
    torch.testing.assert_close(radius, expected_radius(setup, 0))


def test_without_texts(setup, tool, tmp_path):
    embeds = {
        k: v
        for k, v in setup['embeds'].items() if k not in ('texts', 'video_ids')
    }
    torch.save(embeds, tmp_path / 'bare.pth')
    radius = tool.visualize_radius(
        setup['config'],
        setup['checkpoint'],
        str(tmp_path / 'bare.pth'),
        5,
        out=str(tmp_path / 'bare.png'),
        device='cpu')
    assert (tmp_path / 'bare.png').stat().st_size > MIN_PNG_BYTES
    torch.testing.assert_close(radius, expected_radius(setup, 5))


def test_query_out_of_range(setup, tool, tmp_path):
    with pytest.raises(SystemExit, match='out of range'):
        tool.main([
            setup['config'], setup['checkpoint'], setup['embeddings'],
            '--query', '99', '--out',
            str(tmp_path / 'x.png'), '--device', 'cpu'
        ])


def test_missing_embeddings_file(setup, tool, tmp_path):
    missing = tmp_path / 'missing.pth'
    with pytest.raises(SystemExit) as stop:
        tool.main([
            setup['config'], setup['checkpoint'],
            str(missing), '--query', '0', '--device', 'cpu'
        ])
    assert str(stop.value.code) == \
        f'visualize_radius: embeddings file {missing} does not exist'


# last, so the other tests ran while the subprocess started
def test_command_line(setup, command_line_run):
    run, folder = command_line_run
    png, dump = folder / 'radius.png', folder / 'radius.pth'
    result = run.result()
    assert result.returncode == 0, result.stderr
    assert 'radius plot written to' in result.stdout
    assert png.stat().st_size > MIN_PNG_BYTES
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    radius = torch.load(dump, weights_only=True)['radius']
    torch.testing.assert_close(radius, expected_radius(setup, 3))
