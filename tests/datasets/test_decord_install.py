"""Recognising the old decord release beside (or instead of) decord2."""
import sys
import types

import pytest

from tmass_mm.datasets.transforms import decord_install
from tmass_mm.datasets.transforms.decord_install import (import_decord,
                                                         old_decord_problem)

FIX = '`pip uninstall -y decord decord2` and then `pip install decord2`'


def test_a_clean_decord2_install_is_fine():
    assert old_decord_problem('3.4.0', ['decord2']) is None
    assert old_decord_problem(None, []) is None  # no decord at all: PyAV


@pytest.mark.parametrize(
    'version,distributions,says',
    [('0.6.0', ['decord'], 'the unmaintained decord 0.6.0 is installed'),
     ('0.6.0', ['decord', 'decord2'], 'decord 0.6.0 is installed instead'),
     ('3.4.0', ['decord', 'decord2'], 'usable for now'),
     (None, ['decord', 'decord2'], 'the module is unusable'),
     (None, ['decord2'], "`decord` module of ['decord2'] cannot be imported")])
def test_old_or_broken_installs_name_the_fix(version, distributions, says):
    problem = old_decord_problem(version, distributions)
    assert says in problem
    assert FIX in problem


def test_import_warns_once_with_the_fix(monkeypatch):
    old = types.ModuleType('decord')
    old.__version__ = '0.6.0'
    old.VideoReader = object
    monkeypatch.setitem(sys.modules, 'decord', old)
    monkeypatch.setattr(decord_install, '_installed_distributions',
                        lambda: ['decord'])
    with pytest.warns(UserWarning, match='unmaintained decord 0.6.0') as got:
        assert import_decord() is old
    assert len(got) == 1 and FIX in str(got[0].message)


def test_a_leftover_folder_is_not_a_decord(monkeypatch):
    leftover = types.ModuleType('decord')  # a namespace package, no reader
    monkeypatch.setitem(sys.modules, 'decord', leftover)
    monkeypatch.setattr(decord_install, '_installed_distributions',
                        lambda: ['decord2'])
    with pytest.warns(UserWarning, match='cannot be imported'):
        assert import_decord() is None
