"""Shared set-up of the analysis tool tests: a tiny config file, checkpoints
of a tiny retriever with perturbed neck/radius weights, and an EMBEDDINGS
file with planted structure (each caption near its video's frames)."""
import subprocess
import sys
from pathlib import Path

import torch
from tiny_models import TINY_EMBED_DIM, tiny_retriever_cfg

REPO = Path(__file__).resolve().parents[2]
NUM_FRAMES = 4
NUM_VIDEOS = 10
EVAL_SEED = 5
# videos 0-5 have two captions, 6-9 one; captions stored in shuffled order
CAPTIONS_PER_VIDEO = [2] * 6 + [1] * 4


def write_config(path: Path, **evaluator) -> Path:
    """A config holding the tiny model and a ``RetrievalMetric``."""
    metric = dict(type='RetrievalMetric', protocol='tmass', seed=EVAL_SEED)
    metric.update(evaluator)
    path.write_text(f'model = {tiny_retriever_cfg(NUM_FRAMES)!r}\n'
                    f'test_evaluator = {metric!r}\n'
                    f'val_evaluator = test_evaluator\n')
    return path


def build_model():
    """The tiny retriever with random (not identity) neck and radius."""
    from tmass_mm.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(tiny_retriever_cfg(NUM_FRAMES)).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith(('neck.', 'head.')):
                param.add_(0.2 * torch.randn_like(param))
    return model


def planted_embeddings(seed: int = 0) -> dict:
    """EMBEDDINGS dict: captions close to the mean of their video's frames,
    in shuffled order, with ``texts`` and ``video_ids``."""
    gen = torch.Generator().manual_seed(seed)
    video = torch.randn(NUM_VIDEOS, NUM_FRAMES, TINY_EMBED_DIM, generator=gen)
    owners = torch.tensor(
        [v for v, n in enumerate(CAPTIONS_PER_VIDEO) for _ in range(n)])
    owners = owners[torch.randperm(len(owners), generator=gen)]
    text = video[owners].mean(1) + 0.6 * torch.randn(
        len(owners), TINY_EMBED_DIM, generator=gen)
    texts = [
        f'caption {i}: a person does thing number {int(v)} in a '
        f'rather long sentence that the plot title must shorten '
        f'nicely' for i, v in enumerate(owners)
    ]
    return dict(
        text_embeds=text,
        video_embeds=video,
        text_to_video=owners,
        texts=texts,
        video_ids=[f'vid{v}' for v in range(NUM_VIDEOS)])


def write_setup(tmp_path: Path) -> dict:
    """Config, full and backbone-free checkpoints, embeddings; returns their
    paths and the model and embeddings themselves."""
    model = build_model()
    state = model.state_dict()
    paths = dict(
        config=write_config(tmp_path / 'tiny_cfg.py'),
        checkpoint=tmp_path / 'full.pth',
        no_backbone=tmp_path / 'no_backbone.pth',
        embeddings=tmp_path / 'embeds.pth')
    torch.save(dict(meta={}, state_dict=state), paths['checkpoint'])
    torch.save(
        dict(
            meta={},
            state_dict={
                k: v
                for k, v in state.items() if not k.startswith('backbone.')
            }), paths['no_backbone'])
    embeds = planted_embeddings()
    torch.save(embeds, paths['embeddings'])
    paths = {k: str(v) for k, v in paths.items()}
    return dict(paths, model=model, embeds=embeds)


class ToolRun:
    """A tool started in a subprocess (``tools/analysis_tools/{name}.py``,
    on the CPU); :meth:`result` waits for it. Starting it early lets the
    in-process tests run while the subprocess imports torch and open_clip.
    """

    def __init__(self, name: str, *args):
        script = REPO / 'tools' / 'analysis_tools' / f'{name}.py'
        self.process = subprocess.Popen(
            [sys.executable,
             str(script), *map(str, args), '--device', 'cpu'],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO)

    def result(self, timeout: float = 180) -> subprocess.CompletedProcess:
        stdout, stderr = self.process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(self.process.args,
                                           self.process.returncode, stdout,
                                           stderr)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def import_tool(name: str):
    """Import a tool script as a module (``tools/`` is not a package)."""
    import importlib.util
    path = REPO / 'tools' / 'analysis_tools' / f'{name}.py'
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
