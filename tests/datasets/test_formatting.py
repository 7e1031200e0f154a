import numpy as np
import pytest
import torch

from tmass_mm.datasets.transforms import PackRetrievalInputs, TokenizeTexts
from tmass_mm.structures import RetrievalDataSample

SOT, EOT = 49406, 49407  # CLIP's start / end-of-text tokens


def test_tokenize_texts_shape_and_truncation():
    transform = TokenizeTexts('ViT-B-32', context_length=77)
    results = transform(dict(texts=['a dog', 'word ' * 200]))
    tokens = results['text_tokens']
    assert tokens.dtype == torch.int64 and tokens.shape == (2, 77)
    assert tokens[0, :4].tolist() == [SOT, 320, 1929, EOT]
    assert tokens[0, 4:].eq(0).all()
    assert tokens[1, 0] == SOT and tokens[1, -1] == EOT  # truncated
    # the tokenizer is built once and shared
    assert TokenizeTexts('ViT-B-32').tokenizer is transform.tokenizer


def test_pack_retrieval_inputs():
    imgs = np.zeros((2, 4, 5, 3), np.uint8)
    imgs[1, 2, 3] = (7, 8, 9)
    results = dict(
        imgs=imgs,
        text_tokens=torch.ones(3, 77, dtype=torch.long),
        video_id='v',
        video_index=4,
        text_indices=[7, 8, 9],
        texts=['x', 'y', 'z'],
        frame_inds=np.array([0, 5]),
        video_path='v.mp4')
    packed = PackRetrievalInputs()(results)
    out = packed['inputs']['imgs']
    assert out.dtype == torch.uint8 and out.shape == (2, 3, 4, 5)
    assert out[1, :, 2, 3].tolist() == [7, 8, 9]
    assert out.is_contiguous()
    assert packed['inputs']['texts'].shape == (3, 77)
    sample = packed['data_samples']
    assert isinstance(sample, RetrievalDataSample)
    assert set(sample.metainfo_keys()) == {
        'video_id', 'video_index', 'text_indices', 'texts', 'frame_inds'
    }
    assert sample.video_index == 4 and sample.text_indices == [7, 8, 9]

    del results['frame_inds']
    with pytest.raises(KeyError, match=r"'v\.mp4' lack \['frame_inds'\]"):
        PackRetrievalInputs()(results)
