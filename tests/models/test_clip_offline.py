"""Offline, OpenAI's CLIP weights come from the local caches or fail fast
with a message that says how to provide them (run in subprocesses with the
caches in an empty temporary folder and every connection refused)."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# a process may take longer to import torch on a loaded machine; the limit
# below is on the weight look-up itself
LOOKUP_LIMIT_S = 20
SCRIPT = r'''
import json, socket, sys, time

def refuse(*args, **kwargs):
    raise ConnectionRefusedError('connections are refused in this test')

socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

from tmass_mm.models.backbones.clip_loading import (CLIPWeightsUnavailable,
                                                    download_openai_weights)

def look_up():
    start = time.monotonic()
    try:
        result = dict(path=download_openai_weights('ViT-B-32'))
    except CLIPWeightsUnavailable as error:
        result = dict(error=str(error))
    return dict(result, seconds=time.monotonic() - start)

results = [look_up()]
if sys.argv[1] == 'with-hub-copy':
    # the hub client's cache layout: refs/main names the snapshot
    repo = (sys.argv[2] + '/hf/hub/'
            'models--timm--vit_base_patch32_clip_224.openai')
    import os
    os.makedirs(repo + '/refs')
    os.makedirs(repo + '/snapshots/0123abc')
    open(repo + '/refs/main', 'w').write('0123abc')
    open(repo + '/snapshots/0123abc/open_clip_model.safetensors',
         'wb').write(b'weights')
    results.append(look_up())
print(json.dumps(results))
'''


def look_up_offline(tmp_path, case: str, hub_offline: bool) -> list:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(('HF_', 'HUGGINGFACE', 'NO_PROXY',
                                       'XDG_CACHE'))
    }
    env.update(
        HOME=str(tmp_path),  # open_clip's cache is ~/.cache/clip
        HF_HOME=str(tmp_path / 'hf'),
        HTTP_PROXY='http://127.0.0.1:9',
        HTTPS_PROXY='http://127.0.0.1:9',
        PYTHONPATH=os.pathsep.join([str(REPO),
                                    env.get('PYTHONPATH', '')]))
    if hub_offline:
        env['HF_HUB_OFFLINE'] = '1'
    out = subprocess.run([sys.executable, '-c', SCRIPT, case,
                          str(tmp_path)],
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=600,
                         check=True)
    return json.loads(out.stdout.splitlines()[-1])


def assert_says_how_to_provide_the_weights(result, tmp_path):
    message = result['error']
    for expected in (
            'open_clip_model.safetensors',
            'https://huggingface.co/timm/vit_base_patch32_clip_224.openai/',
            'ViT-B-32.pt', 'https://openaipublic.azureedge.net/clip/models/',
            'model.backbone.pretrained=/path/to/file',
            str(tmp_path / '.cache' / 'clip')):
        assert expected in message, (expected, message)
    assert result['seconds'] < LOOKUP_LIMIT_S


def test_hub_offline_fails_fast_then_finds_the_hub_cache(tmp_path):
    missing, cached = look_up_offline(
        tmp_path, 'with-hub-copy', hub_offline=True)
    assert_says_how_to_provide_the_weights(missing, tmp_path)
    assert 'HF_HUB_OFFLINE' in missing['error']
    assert cached['path'] == str(
        tmp_path / 'hf' / 'hub' /
        'models--timm--vit_base_patch32_clip_224.openai' / 'snapshots' /
        '0123abc' / 'open_clip_model.safetensors')


def test_unreachable_sources_fail_fast_and_a_damaged_copy_is_not_used(
        tmp_path):
    clip_cache = tmp_path / '.cache' / 'clip'
    clip_cache.mkdir(parents=True)
    (clip_cache / 'ViT-B-32.pt').write_bytes(b'half a download')
    [result] = look_up_offline(tmp_path, 'empty', hub_offline=False)
    assert_says_how_to_provide_the_weights(result, tmp_path)
    assert 'neither source answered' in result['error']
