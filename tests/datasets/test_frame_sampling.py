import numpy as np
import pytest

from tmass_mm.datasets.transforms.frame_sampling import (frame_window,
                                                         sample_frame_indices,
                                                         segment_bounds)


def public_uniform_indices(num_total, num_frames):
    """The public T-MASS loader's uniform frames, written out step by step:
    cut points by ``linspace``, integer middle of each ``[a_k, a_{k+1}-1]``,
    the last frame repeated when the video is shorter than ``num_frames``."""
    num_segments = min(num_frames, num_total)
    cuts = np.linspace(0, num_total, num_segments + 1).astype(int)
    indices = []
    for k in range(num_segments):
        start, end = cuts[k], cuts[k + 1] - 1
        indices.append((start + end) // 2)
    while len(indices) < num_frames:
        indices.append(indices[-1])
    return indices


@pytest.mark.parametrize('num_frames', [12, 4, 24])
def test_uniform_equals_the_public_loader_for_every_length(num_frames):
    for num_total in range(1, 3001):
        expected = public_uniform_indices(num_total, num_frames)
        got = sample_frame_indices(num_total, num_frames, 'uniform')
        assert got.tolist() == expected, (num_total, num_frames)


def test_uniform_takes_segment_middles():
    # 24 frames in 12 segments of 2: the first frame of each pair
    np.testing.assert_array_equal(
        sample_frame_indices(24, 12),
        [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22])
    np.testing.assert_array_equal(sample_frame_indices(12, 12), np.arange(12))
    # 100 frames in 4 segments of 25: middles of [0, 24], [25, 49], ...
    np.testing.assert_array_equal(
        sample_frame_indices(100, 4), [12, 37, 62, 87])
    # 13 frames: cuts 0, 3, 6, 9, 13
    np.testing.assert_array_equal(sample_frame_indices(13, 4), [1, 4, 7, 10])
    # offset by the window start
    np.testing.assert_array_equal(
        sample_frame_indices(100, 4, first=10), [22, 47, 72, 97])


def test_cut_points_are_the_floating_point_linspace():
    # 392 frames into 24: cut 15 is 15 * 392 / 24 = 245 exactly, but
    # linspace gives 244.99999999999997, so the public segment 14 is
    # [228, 243] and its middle 235 (236 with exact integer cuts)
    assert segment_bounds(392, 24)[14:17].tolist() == [228, 244, 261]
    assert sample_frame_indices(392, 24)[14] == 235


def test_short_and_single_frame_videos_repeat_last_frame():
    for mode in ('uniform', 'rand'):
        np.testing.assert_array_equal(
            sample_frame_indices(5, 8, mode), [0, 1, 2, 3, 4, 4, 4, 4])
        np.testing.assert_array_equal(
            sample_frame_indices(1, 3, mode), [0, 0, 0])


def test_rand_stays_in_its_segment_and_covers_it():
    np.random.seed(0)
    draws = np.stack([sample_frame_indices(30, 3, 'rand') for _ in range(300)])
    for k in range(3):
        assert set(draws[:, k]) == set(range(10 * k, 10 * k + 10))
    # uneven segments, the same as 'uniform': 13 frames cut at 0, 3, 6, 9, 13
    draws = np.stack([sample_frame_indices(13, 4, 'rand') for _ in range(300)])
    assert [sorted(set(draws[:, k])) for k in range(4)] == [[0, 1,
                                                             2], [3, 4, 5],
                                                            [6, 7, 8],
                                                            [9, 10, 11, 12]]


def test_bad_arguments():
    with pytest.raises(ValueError, match='cannot sample from 0 frames'):
        sample_frame_indices(0, 12)
    with pytest.raises(ValueError, match='unknown sampling mode'):
        sample_frame_indices(10, 12, 'middle')


def test_frame_window():
    assert frame_window(50, 10.0) == (0, 50)
    assert frame_window(400, 10.0, 0.0, 31.0) == (0, 310)
    assert frame_window(100, 10.0, 0.0, 31.0) == (0, 100)  # clipped
    assert frame_window(100, 10.0, 2.55, 5.0) == (25, 25)
    assert frame_window(100, 10.0, end_time=1.01) == (0, 11)
    with pytest.raises(ValueError, match='only 100 frames'):
        frame_window(100, 10.0, 12.0, 13.0)
    with pytest.raises(ValueError, match='frame rate'):
        frame_window(100, 0.0, 1.0, 2.0)
