"""The manifest of prepared videos (what resuming trusts) and the failures
report, both JSON files in the destination folder.

Manifest::

    {"format": "tmass_mm prepared videos", "version": 1,
     "videos": [{"source": {"path": "sub/a.avi", "frames": 50, "fps": 25.0,
                            "duration": 2.0, "width": 320, "height": 240,
                            "bytes": 81234, "mtime_ns": 1700000000000000000},
                 "output": {"path": "sub/a.mp4", "frames": 6, "fps": 3.0,
                            "duration": 2.0, "width": 298, "height": 224,
                            "bytes": 10240},
                 "settings": {"fps": 3.0, "short_side": 224, "crf": 23,
                              "preset": "medium",
                              "tune": "fastdecode"}}, ...]}

Failures report: ``{"failures": [{"source": "sub/b.mp4", "error": "..."}]}``.
"""
import json
import os
import os.path as osp
from typing import Dict

from .temp_files import temp_path_for

MANIFEST_NAME = 'prepare_manifest.json'
FAILURES_NAME = 'prepare_failures.json'
MANIFEST_FORMAT = 'tmass_mm prepared videos'
MANIFEST_VERSION = 1


def load_manifest(dst: str) -> Dict[str, dict]:
    """``{source path: entry}`` of ``dst``'s manifest; empty without one."""
    path = osp.join(dst, MANIFEST_NAME)
    if not osp.exists(path):
        return {}
    try:
        with open(path, encoding='utf-8') as file:
            manifest = json.load(file)
        if (manifest.get('format') != MANIFEST_FORMAT
                or manifest.get('version') != MANIFEST_VERSION):
            raise ValueError(f'not a version {MANIFEST_VERSION} manifest')
        return {entry['source']['path']: entry for entry in manifest['videos']}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(
            f'cannot read the manifest {path!r} ({err}); delete it to '
            're-encode every video') from None


def save_manifest(dst: str, entries: Dict[str, dict]) -> str:
    """Write the manifest atomically; returns its path."""
    return _write_json(
        osp.join(dst, MANIFEST_NAME),
        dict(
            format=MANIFEST_FORMAT,
            version=MANIFEST_VERSION,
            videos=[entries[source] for source in sorted(entries)]))


def save_failures(dst: str, failures: Dict[str, str]) -> str:
    """Write the failures report (``[]`` when none) atomically."""
    return _write_json(
        osp.join(dst, FAILURES_NAME),
        dict(failures=[
            dict(source=source, error=failures[source])
            for source in sorted(failures)
        ]))


def is_up_to_date(entry: dict, settings: dict, source_path: str,
                  output_path: str) -> bool:
    """Whether ``entry`` describes an output of the unchanged source, made
    with ``settings`` and still on disk with its recorded size."""
    source = os.stat(source_path)
    return (entry.get('settings') == settings
            and entry['source'].get('bytes') == source.st_size
            and entry['source'].get('mtime_ns') == source.st_mtime_ns
            and osp.isfile(output_path)
            and osp.getsize(output_path) == entry['output'].get('bytes'))


def _write_json(path: str, content: dict) -> str:
    temp = temp_path_for(path)
    with open(temp, 'w', encoding='utf-8') as file:
        json.dump(content, file, indent=1)
        file.write('\n')
    os.replace(temp, path)
    return path
