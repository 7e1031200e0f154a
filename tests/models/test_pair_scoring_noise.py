"""The counter-based scoring noise: its definition, written out here in
plain Python integers, and its statistics."""
import math

import pytest
import torch

from tmass_mm.models import stable_key
from tmass_mm.models.samplers.counter_noise import CounterNoise, mix32

MASK = 0xFFFFFFFF


def py_mix(x, final_shift=True):
    x &= MASK
    x ^= x >> 16
    x = (x * 0x7feb352d) & MASK
    x ^= x >> 15
    x = (x * 0x846ca68b) & MASK
    if final_shift:
        x ^= x >> 16
    return x


def py_eps(seed, counter, d, domain=0x2545f491, prior='uniform01', std=1.0):
    """The module docstring's definition, one value at a time."""
    salt = py_mix(seed ^ domain)
    key = py_mix(py_mix((counter & MASK) ^ salt) ^ (counter >> 32))
    dim_salt = py_mix(py_mix(d) ^ salt)
    u = (py_mix(key ^ dim_salt, final_shift=False) >> 9) / 2**23
    if prior == 'normal':
        return std * math.sqrt(2) * torch.erfinv(
            torch.tensor(2 * (u + 2**-24) - 1, dtype=torch.float64)).item()
    return u


def test_mix32_is_lowbias32():
    words = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xDEADBEEF, MASK]
    signed = torch.tensor([w - (1 << 32) if w >> 31 else w for w in words],
                          dtype=torch.int64).to(torch.int32)
    got = [int(x) & MASK for x in mix32(signed)]
    assert got == [py_mix(w) for w in words]


@pytest.mark.parametrize('seed', [0, 12345, 2**32 - 1])
def test_pair_draws_follow_the_definition(seed):
    num_texts, num_trials, dim = 5, 3, 9
    noise = CounterNoise(seed, dim, 'pair')
    text_index, video_index = torch.tensor([0, 4]), torch.tensor([6, 1, 2])
    counters = noise.counters(text_index, num_trials, video_index, num_texts)
    eps = noise.draw(noise.keys(counters))
    assert eps.shape == (3, 2, num_trials, dim)
    for i, v in enumerate(video_index.tolist()):
        for j, t in enumerate(text_index.tolist()):
            for m in range(num_trials):
                counter = (v * num_texts + t) * num_trials + m
                assert int(counters[i, j, m]) == counter
                expected = [py_eps(seed, counter, d) for d in range(dim)]
                assert eps[i, j, m].tolist() == expected


def test_text_draws_and_normal_prior_follow_the_definition():
    noise = CounterNoise(5, 4, 'text', prior='normal', prior_std=0.2)
    counters = noise.counters(torch.tensor([3]), 2)
    assert counters.tolist() == [[6, 7]]
    eps = noise.draw(noise.keys(counters))
    expected = [[
        py_eps(5, c, d, domain=0x6a09e667, prior='normal', std=0.2)
        for d in range(4)
    ] for c in (6, 7)]
    expected = torch.tensor(expected, dtype=torch.float64)
    torch.testing.assert_close(eps[0].double(), expected, rtol=0, atol=1e-6)


def test_counters_beyond_32_bits_use_the_high_word():
    noise = CounterNoise(0, 3, 'pair')
    counters = torch.tensor([5, 5 + 2**32])
    eps = noise.draw(noise.keys(counters))
    assert not torch.equal(eps[0], eps[1])
    assert eps[1].tolist() == [py_eps(0, 5 + 2**32, d) for d in range(3)]


def test_uniform_draws_look_uniform_and_independent():
    noise = CounterNoise(1, 256, 'pair')
    counters = noise.counters(torch.arange(40), 20, torch.arange(30), 40)
    eps = noise.draw(noise.keys(counters)).reshape(-1, 256)  # 24000 streams
    assert 0 <= eps.min() and eps.max() < 1
    n = eps.numel()
    assert abs(eps.mean() - 0.5) < 4 * math.sqrt(1 / 12 / n)
    assert abs(eps.var() - 1 / 12) < 1e-3
    counts = (eps.flatten() * 100).long().bincount(minlength=100).double()
    chi2 = ((counts - n / 100)**2 / (n / 100)).sum()
    assert chi2 < 99 + 5 * math.sqrt(2 * 99)
    centred = eps - 0.5
    # neighbouring streams (adjacent trials / pairs) and dimensions
    for a, b in [(centred[:-1], centred[1:]), (centred[:, :-1], centred[:,
                                                                        1:])]:
        corr = (a * b).mean() / centred.var()
        assert abs(corr) < 5 / math.sqrt(a.numel())


def test_normal_prior_moments():
    noise = CounterNoise(2, 512, 'text', prior='normal', prior_std=3.0)
    eps = noise.draw(noise.keys(noise.counters(torch.arange(500), 4)))
    assert abs(eps.mean()) < 0.01 and abs(eps.std() - 3.0) < 0.01
    assert torch.isfinite(eps).all()


def test_seeds_and_kinds_give_unrelated_streams():
    counters = torch.arange(2000)
    draws = [
        CounterNoise(seed, 64, kind).draw(
            CounterNoise(seed, 64, kind).keys(counters)).flatten() - 0.5
        for seed, kind in [(0, 'pair'), (1, 'pair'), (0, 'text')]
    ]
    for other in draws[1:]:
        corr = (draws[0] * other).mean() * 12
        assert abs(corr) < 5 / math.sqrt(len(other))


def py_fold(h, words):
    for word in words:
        h = py_mix(h ^ (word & MASK))
    return h


def py_identity_eps(seed, words, d, domain=0x2545f491):
    """Uniform ``eps`` of a stream named by identity words (the module
    docstring's ``fold(salt, [...])``)."""
    salt = py_mix(seed ^ domain)
    key = py_fold(salt, words)
    dim_salt = py_mix(py_mix(d) ^ salt)
    return (py_mix(key ^ dim_salt, final_shift=False) >> 9) / 2**23


def test_identity_keyed_draws_follow_the_definition():
    seed, num_trials, dim = 77, 3, 5
    text_keys = torch.tensor([stable_key('a dog runs'), 3, 2**61 + 5])
    video_keys = torch.tensor([stable_key('videos/x.mp4'), 2**40 + 1])
    noise = CounterNoise(seed, dim, 'pair')
    eps = noise.draw(noise.identity_keys(text_keys, num_trials, video_keys))
    assert eps.shape == (2, 3, num_trials, dim)
    for i, b in enumerate(video_keys.tolist()):
        for j, a in enumerate(text_keys.tolist()):
            for m in range(num_trials):
                words = [a, a >> 32, b, b >> 32, m]
                assert eps[i, j, m].tolist() == [
                    py_identity_eps(seed, words, d) for d in range(dim)
                ]
    text_noise = CounterNoise(seed, dim, 'text')
    eps = text_noise.draw(text_noise.identity_keys(text_keys[2:], 2))
    a = text_keys[2].item()
    assert eps[0, 1].tolist() == [
        py_identity_eps(seed, [a, a >> 32, 1], d, domain=0x6a09e667)
        for d in range(dim)
    ]


def test_stable_key_is_a_62_bit_blake2b_digest():
    import hashlib
    digest = hashlib.blake2b('videos/cat.mp4'.encode(), digest_size=8)
    assert stable_key('videos/cat.mp4') == int.from_bytes(
        digest.digest(), 'little') >> 2
    keys = {stable_key(f'query {i}') for i in range(1000)}
    assert len(keys) == 1000 and max(keys) < 2**62 and min(keys) >= 0
    assert stable_key('é') == stable_key('é') != stable_key('e')
