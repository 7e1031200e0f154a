"""Readers of EMBEDDINGS and querybank files: every bad file ends in one
sentence naming it (generated files)."""
import os
import random

import pytest
import torch

from tmass_mm.evaluation import load_embeddings, load_querybank


def embeddings(**changes):
    embeds = dict(
        text_embeds=torch.randn(3, 4),
        video_embeds=torch.randn(2, 5, 4),
        text_to_video=torch.tensor([1, 0, 1]),
        texts=['a', 'b', 'c'],
        video_ids=['x', 'y'])
    embeds.update(changes)
    return embeds


def write(tmp_path, content, name='embeds.pth'):
    path = tmp_path / name
    torch.save(content, path)
    return str(path)


def test_reads_a_valid_file(tmp_path):
    embeds = embeddings(
        text_to_video=torch.tensor([1, 0, 1], dtype=torch.int32))
    loaded = load_embeddings(write(tmp_path, embeds))
    assert loaded['text_to_video'].dtype == torch.long
    assert loaded['text_to_video'].tolist() == [1, 0, 1]
    torch.testing.assert_close(loaded['video_embeds'], embeds['video_embeds'])
    assert loaded['texts'] == ['a', 'b', 'c']


def test_missing_file(tmp_path):
    path = str(tmp_path / 'nowhere.pth')
    with pytest.raises(FileNotFoundError) as err:
        load_embeddings(path)
    assert str(err.value) == f'embeddings file {path} does not exist'


@pytest.mark.parametrize(
    'content', [
        b'text_embeds, video_embeds\n1, 2\n', b'',
        random.Random(0).randbytes(512)
    ],
    ids=['text', 'empty', 'random'])
def test_not_a_torch_file(tmp_path, content):
    path = tmp_path / 'embeds.pth'
    path.write_bytes(content)
    with pytest.raises(
            ValueError, match=f'embeddings file {path} is not a torch.save'):
        load_embeddings(str(path))


class Marker:
    """A pickled object whose loading would call ``os.system``."""

    def __reduce__(self):
        return os.system, ('true', )


def test_code_is_refused(tmp_path):
    path = write(tmp_path, embeddings(texts=Marker()))
    with pytest.raises(ValueError, match=f'{path} holds code'):
        load_embeddings(path)


def test_float_text_to_video_is_an_error(tmp_path):
    path = write(tmp_path,
                 embeddings(text_to_video=torch.tensor([1.7, 0., 1.])))
    with pytest.raises(
            ValueError,
            match=r'text_to_video holds torch\.float32 values; it '
            'must hold integer video indices'):
        load_embeddings(path)


@pytest.mark.parametrize('changes, message', [
    (dict(text_to_video=torch.tensor([0, 2, 1])), r'index the 2 videos'),
    (dict(text_to_video=torch.tensor([0, 1])), r'shape \(2,\), expected'),
    (dict(text_to_video=torch.tensor([True, False, True])), 'torch.bool'),
    (dict(video_embeds=torch.randn(2, 4)), 'video_embeds must be a 3-D'),
    (dict(text_embeds=[1, 2]), 'text_embeds must be a 2-D tensor, got list'),
    (dict(text_embeds=torch.randn(3, 6)), 'share the feature size'),
    (dict(texts=['a']), 'texts must list 3 entries, got 1'),
])
def test_malformed_contents(tmp_path, changes, message):
    path = write(tmp_path, embeddings(**changes))
    with pytest.raises(ValueError, match=message) as err:
        load_embeddings(path)
    assert path in str(err.value)


def test_missing_keys_and_other_containers(tmp_path):
    embeds = embeddings()
    del embeds['video_embeds']
    with pytest.raises(ValueError, match=r"lacks \['video_embeds'\]"):
        load_embeddings(write(tmp_path, embeds))
    with pytest.raises(ValueError, match='holds a list'):
        load_embeddings(write(tmp_path, [1, 2]))


def test_querybank(tmp_path):
    bank = torch.randn(6, 4, dtype=torch.float64)
    loaded = load_querybank(write(tmp_path, dict(text_embeds=bank)))
    assert loaded.dtype == torch.float32
    torch.testing.assert_close(loaded, bank.float())
    with pytest.raises(ValueError, match='querybank file .* text_embeds'):
        load_querybank(write(tmp_path, dict(video_embeds=bank)))
    with pytest.raises(ValueError, match=r'non-empty \[Q, D\]'):
        load_querybank(write(tmp_path, dict(text_embeds=torch.randn(6))))
    path = tmp_path / 'bank.txt'
    path.write_text('not a querybank\n')
    with pytest.raises(ValueError, match=f'querybank file {path} is not'):
        load_querybank(str(path))
