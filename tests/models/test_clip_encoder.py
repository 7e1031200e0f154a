import copy

import open_clip
import pytest
import torch
from tiny_models import TINY_CLIP_CFG

from tmass_mm.models import CLIPEncoder


def test_encodes_text_and_video_to_joint_space():
    torch.manual_seed(0)
    encoder = CLIPEncoder(model_cfg=TINY_CLIP_CFG).eval()
    tokens = open_clip.get_tokenizer('ViT-B-32')(['a dog', 'a red circle'])
    frames = torch.randn(2, 3, 3, 32, 32)
    text = encoder.encode_text(tokens)
    video = encoder.encode_video(frames)
    assert text.shape == (2, 32) and video.shape == (2, 3, 32)
    # frames are encoded independently, exactly as single images
    torch.testing.assert_close(video[1, 2],
                               encoder.clip.encode_image(frames[1, 2:3])[0])
    assert encoder.embed_dim == 32
    assert encoder.logit_scale is encoder.clip.logit_scale


def test_text_past_the_last_end_token_is_cut_off_with_the_same_result():
    """The trimmed text tower equals open_clip's on all 77 positions, in
    features and in gradients, for captions of different lengths."""
    torch.manual_seed(3)
    encoder = CLIPEncoder(model_cfg=TINY_CLIP_CFG)
    captions = [
        'a dog', 'a red circle moves slowly to the left of a '
        'large green square', 'blue'
    ]
    tokens = open_clip.get_tokenizer('ViT-B-32')(captions)
    lengths = (tokens.argmax(-1) + 1).tolist()
    assert tokens.shape[1] == 77 and max(lengths) < 20 < 77
    calls = []
    hook = encoder.clip.transformer.register_forward_pre_hook(
        lambda module, args, kwargs: calls.append(args[0].shape[1]),
        with_kwargs=True)
    trimmed = encoder.encode_text(tokens)
    hook.remove()
    assert calls == [max(lengths)]
    full = encoder.clip.encode_text(tokens)
    torch.testing.assert_close(trimmed, full, rtol=1e-5, atol=1e-5)
    grads = [
        torch.autograd.grad(out.square().sum(),
                            encoder.clip.transformer.parameters())
        for out in (trimmed, full)
    ]
    for trimmed_grad, full_grad in zip(*grads):
        torch.testing.assert_close(
            trimmed_grad, full_grad, rtol=1e-4, atol=1e-5)
    # one caption alone is cut at its own end token
    alone = encoder.encode_text(tokens[2:])
    torch.testing.assert_close(alone, full[2:], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('layout', ['plain', 'wrapped'])
def test_pretrained_file_is_loaded(tmp_path, layout):
    torch.manual_seed(1)
    source = open_clip.CLIP(**TINY_CLIP_CFG)
    state = source.state_dict()
    if layout == 'wrapped':  # e.g. saved from a DDP model by a trainer
        state = {'state_dict': {'module.' + k: v for k, v in state.items()}}
    path = tmp_path / 'tiny_clip.pth'
    torch.save(state, path)
    torch.manual_seed(2)
    encoder = CLIPEncoder(model_cfg=TINY_CLIP_CFG, pretrained=str(path))
    for name, value in source.state_dict().items():
        assert torch.equal(encoder.clip.state_dict()[name], value), name


def test_mismatched_checkpoint_names_keys(tmp_path):
    cfg = copy.deepcopy(TINY_CLIP_CFG)
    cfg['text_cfg']['layers'] = 3
    path = tmp_path / 'deeper.pth'
    torch.save(open_clip.CLIP(**cfg).state_dict(), path)
    with pytest.raises(KeyError, match='transformer.resblocks.2'):
        CLIPEncoder(model_cfg=TINY_CLIP_CFG, pretrained=str(path))


def test_missing_checkpoint_file():
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        CLIPEncoder(model_cfg=TINY_CLIP_CFG, pretrained='nowhere.pth')


def test_freeze_options():
    encoder = CLIPEncoder(model_cfg=TINY_CLIP_CFG, freeze_text=True)
    assert not encoder.clip.token_embedding.weight.requires_grad
    assert not encoder.clip.text_projection.requires_grad
    assert encoder.clip.visual.proj.requires_grad
    assert encoder.logit_scale.requires_grad
    encoder = CLIPEncoder(model_cfg=TINY_CLIP_CFG, freeze_vision=True)
    assert not any(p.requires_grad for p in encoder.clip.visual.parameters())
    assert encoder.clip.token_embedding.weight.requires_grad


def test_vit_b32_architecture_by_name():
    encoder = CLIPEncoder('ViT-B-32')
    assert encoder.embed_dim == 512
    assert encoder.clip.visual.conv1.kernel_size == (32, 32)
    # OpenAI CLIP uses QuickGELU
    assert isinstance(encoder.clip.transformer.resblocks[0].mlp.gelu,
                      open_clip.transformer.QuickGELU)


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown open_clip model 'ViT-X'"):
        CLIPEncoder('ViT-X')


@pytest.mark.filterwarnings('ignore::torch.jit.TracerWarning',
                            'ignore::FutureWarning')
def test_torchscript_archive_like_openai_release(tmp_path):
    torch.manual_seed(3)
    source = open_clip.CLIP(**TINY_CLIP_CFG).eval()
    traced = torch.jit.trace(
        source, (torch.randn(1, 3, 32, 32), torch.randint(0, 100, (1, 77))),
        strict=False,
        check_trace=False)
    path = tmp_path / 'openai_like.pt'
    traced.save(str(path))
    encoder = CLIPEncoder(model_cfg=TINY_CLIP_CFG, pretrained=str(path))
    for name, value in source.state_dict().items():
        assert torch.equal(encoder.clip.state_dict()[name], value), name


def count_block_forwards(encoder):
    """Forward calls of every transformer block of both towers (counted when
    they start: a recomputation stops once it has what backward needs)."""
    calls = []
    blocks = [
        *encoder.clip.transformer.resblocks,
        *encoder.clip.visual.transformer.resblocks
    ]
    for block in blocks:
        block.register_forward_pre_hook(lambda *args: calls.append(1))
    return calls, len(blocks)


def test_grad_checkpointing_recomputes_blocks_with_equal_gradients():
    tokens = open_clip.get_tokenizer('ViT-B-32')(['a dog', 'a red circle'])
    frames = torch.randn(
        2, 3, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    results = {}
    for checkpointing in (False, True):
        torch.manual_seed(4)
        encoder = CLIPEncoder(
            model_cfg=TINY_CLIP_CFG, grad_checkpointing=checkpointing)
        calls, num_blocks = count_block_forwards(encoder)
        text = encoder.encode_text(tokens)
        video = encoder.encode_video(frames)
        loss = (video.mean(1) * text).sum() * encoder.logit_scale.exp()
        forwards = len(calls)
        loss.backward()
        results[checkpointing] = (loss.detach(), {
            name: param.grad
            for name, param in encoder.named_parameters()
        })
        assert forwards == num_blocks  # one call per block and tower
        # checkpointed blocks run their forward again during backward
        assert len(calls) == (2 if checkpointing else 1) * num_blocks
    (plain_loss, plain), (ckpt_loss, ckpt) = results[False], results[True]
    assert torch.equal(plain_loss, ckpt_loss)
    assert plain.keys() == ckpt.keys()
    for name, grad in plain.items():
        torch.testing.assert_close(ckpt[name], grad, rtol=1e-5, atol=1e-7)
