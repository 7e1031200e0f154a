"""All-pairs scoring against a plain per-pair computation (docs/method.md
§6); the reference lives in ``pair_reference.py``."""
import pytest
import torch
from pair_reference import (DIM, FRAMES, make_features, make_neck,
                            make_sampler, reference_scores, score)
from torch.nn.functional import cosine_similarity

from tmass_mm.models.heads import TMASSHead


@pytest.mark.parametrize('noise', ['faithful', 'shared'])
@pytest.mark.parametrize('num_heads', [1, 2])
@pytest.mark.parametrize('radius,prior', [('SimilarityRadius', 'uniform01'),
                                          ('SimilarityRadius', 'normal'),
                                          ('UnlearnableRadius', 'uniform01')])
def test_scores_equal_per_pair_reference(noise, num_heads, radius, prior):
    neck = make_neck(num_heads)
    sampler = make_sampler(radius, prior, std=0.5)
    text, video = make_features()
    expected = reference_scores(text, video, neck, sampler, 6, noise=noise)
    actual = score(text, video, neck, sampler, 6, noise=noise)
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize('noise', ['faithful', 'shared'])
def test_official_protocol_reports_against_ground_truth_pooling(noise):
    neck, sampler = make_neck(), make_sampler()
    text, video = make_features(num_texts=6, num_videos=3)
    gt_caption = torch.tensor([4, 0, 2])
    expected = reference_scores(
        text, video, neck, sampler, 5, pool_text_index=gt_caption, noise=noise)
    actual = score(
        text, video, neck, sampler, 5, pool_text_index=gt_caption, noise=noise)
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-5)
    # the protocol changes the scores (candidates use test captions)
    tmass = score(text, video, neck, sampler, 5, noise=noise)
    assert (actual - tmass).abs().max() > 1e-3


@pytest.mark.parametrize('noise', ['faithful', 'shared'])
@pytest.mark.parametrize('num_heads', [1, 2])
def test_one_trial_without_noise_gives_xpool_scores(noise, num_heads):
    neck = make_neck(num_heads)
    sampler = make_sampler(prior='normal', std=0.0)
    text, video = make_features()
    pooled = neck(text, video).detach()  # [V, T, D]
    expected = cosine_similarity(text[None], pooled, dim=-1).T
    actual = score(text, video, neck, sampler, 1, noise=noise)
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize('noise', ['faithful', 'shared'])
def test_block_sizes_do_not_change_scores(noise):
    neck, sampler = make_neck(2), make_sampler()
    text, video = make_features(num_texts=11, num_videos=7)
    gt_caption = torch.tensor([0, 3, 5, 7, 9, 10, 1])
    for pool_text_index in (None, gt_caption):
        expected = score(
            text,
            video,
            neck,
            sampler,
            4,
            noise=noise,
            pool_text_index=pool_text_index)
        for text_chunk, video_chunk, sample_chunk in [(1, 1, 1), (4, 3, 200),
                                                      (11, 7, 10**6),
                                                      (5, 2, 4 * DIM)]:
            actual = score(
                text,
                video,
                neck,
                sampler,
                4,
                noise=noise,
                pool_text_index=pool_text_index,
                text_chunk=text_chunk,
                video_chunk=video_chunk,
                sample_chunk=sample_chunk)
            torch.testing.assert_close(actual, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize('noise', ['faithful', 'shared'])
def test_gallery_scored_in_parts_equals_one_call(noise):
    neck, sampler = make_neck(), make_sampler()
    text, video = make_features(num_texts=5, num_videos=7)
    whole = score(text, video, neck, sampler, 4, noise=noise)
    parts = [
        score(
            text,
            video[start:start + 3],
            neck,
            sampler,
            4,
            noise=noise,
            video_offset=start) for start in (0, 3, 6)
    ]
    torch.testing.assert_close(
        torch.cat(parts, dim=1), whole, rtol=0, atol=1e-6)


def test_seed_and_mode_select_the_draws():
    neck, sampler = make_neck(), make_sampler()
    text, video = make_features()
    first = score(text, video, neck, sampler, 4, generator_seed=3)
    assert torch.equal(first,
                       score(text, video, neck, sampler, 4, generator_seed=3))
    assert not torch.allclose(
        first, score(text, video, neck, sampler, 4, generator_seed=4))
    assert not torch.allclose(
        first,
        score(text, video, neck, sampler, 4, generator_seed=3, noise='shared'))


def test_dropout_is_not_applied():
    neck, sampler = make_neck(), make_sampler()
    text, video = make_features()
    expected = score(text, video, neck, sampler, 3)
    neck.train()
    torch.testing.assert_close(
        score(text, video, neck, sampler, 3), expected, rtol=0, atol=0)


def test_scores_are_float32_under_autocast():
    neck, sampler = make_neck(), make_sampler()
    text, video = make_features()
    expected = score(text, video, neck, sampler, 3)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        actual = score(text, video, neck, sampler, 3)
    assert actual.dtype == torch.float32
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize('num_trials', [0, -2])
def test_invalid_num_trials(num_trials):
    text, video = make_features()
    with pytest.raises(ValueError, match='num_trials'):
        score(text, video, make_neck(), make_sampler(), num_trials)


def test_invalid_noise_mode():
    text, video = make_features()
    with pytest.raises(ValueError, match='noise mode'):
        score(text, video, make_neck(), make_sampler(), 2, noise='fresh')
    with pytest.raises(ValueError, match='noise mode'):
        TMASSHead(
            sampler=dict(
                type='StochasticTextSampler',
                radius=dict(type='UnlearnableRadius', embed_dim=DIM)),
            noise='fresh')


@pytest.mark.parametrize('num_heads', [1, 4])
def test_framewise_pooling_equals_neck(num_heads):
    neck = make_neck(num_heads)
    text, video = make_features(num_texts=7, num_videos=5)
    pooling = neck.framewise(video)
    queries = pooling.queries(text)
    videos = slice(1, 4)
    torch.testing.assert_close(
        pooling.pool(queries, videos),
        neck(text, video)[videos],
        rtol=0,
        atol=1e-5)
    paired = pooling.pool_matched(queries[:5], slice(0, 5))
    torch.testing.assert_close(
        paired, neck(text[:5], video, all_pairs=False), rtol=0, atol=1e-5)


@pytest.mark.parametrize('noise', ['faithful', 'shared'])
def test_head_predict_scores(noise):
    head = TMASSHead(
        sampler=dict(
            type='StochasticTextSampler',
            radius=dict(
                type='SimilarityRadius', num_frames=FRAMES, embed_dim=DIM)),
        num_trials=4,
        eval_seed=7,
        noise=noise,
        text_chunk=2,
        video_chunk=3)
    neck = make_neck()
    text, video = make_features()
    expected = reference_scores(
        text, video, neck, head.sampler, 4, generator_seed=7, noise=noise)
    torch.testing.assert_close(
        head.predict_scores(text, video, neck), expected, rtol=0, atol=1e-5)
    torch.testing.assert_close(
        head.predict_scores(text, video, neck, seed=8),
        reference_scores(
            text, video, neck, head.sampler, 4, generator_seed=8, noise=noise),
        rtol=0,
        atol=1e-5)
