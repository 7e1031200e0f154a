import numpy as np
import pytest

from tmass_mm.datasets.transforms.frame_sampling import (frame_window,
                                                         sample_frame_indices)


def test_uniform_takes_segment_middles():
    np.testing.assert_array_equal(
        sample_frame_indices(24, 12),
        [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23])
    np.testing.assert_array_equal(sample_frame_indices(12, 12), np.arange(12))
    # 100 frames in 4 segments of 25: middles 12.5, 37.5, ... -> floor
    np.testing.assert_array_equal(
        sample_frame_indices(100, 4), [12, 37, 62, 87])
    # offset by the window start
    np.testing.assert_array_equal(
        sample_frame_indices(100, 4, first=10), [22, 47, 72, 97])


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
    # uneven segments: 13 frames in 4 -> [0,3.25) [3.25,6.5) [6.5,9.75) ...
    draws = np.stack([sample_frame_indices(13, 4, 'rand') for _ in range(300)])
    assert [sorted(set(draws[:, k])) for k in range(4)] == [[0, 1, 2, 3],
                                                            [4, 5, 6],
                                                            [7, 8, 9],
                                                            [10, 11, 12]]


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
