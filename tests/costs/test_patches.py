"""Li & Wand's patch loss: zero on the style itself, a gradient, and face-guided matching."""

import torch

from facestyle.costs.patches import PatchLoss, region_labels


def test_patch_loss_is_zero_on_the_style_and_positive_elsewhere():
    torch.manual_seed(0)
    style = torch.rand(1, 4, 10, 12)
    loss = PatchLoss("relu3_1", style)
    assert float(loss({"relu3_1": style})) < 1e-10
    other = PatchLoss("relu3_1", style)
    generated = torch.rand(1, 4, 10, 12, requires_grad=True)
    value = other({"relu3_1": generated})
    value.backward()
    assert float(value.detach()) > 0 and generated.grad.abs().sum() > 0


def test_neighbours_are_kept_for_the_scale():
    style = torch.rand(1, 3, 8, 8)
    loss = PatchLoss("relu3_1", style)
    loss({"relu3_1": torch.rand(1, 3, 8, 8)})
    first = loss.targets.clone()
    loss({"relu3_1": torch.rand(1, 3, 8, 8)})
    assert torch.equal(first, loss.targets)


def test_region_guidance_prefers_the_same_region():
    # style: left half region "eyes" with pattern A, right half "skin" with pattern B
    style = torch.zeros(1, 2, 6, 10)
    style[0, 0, :, :5] = 1.0
    style[0, 1, :, 5:] = 1.0
    style_masks = {"eyes": torch.zeros(6, 10), "skin": torch.zeros(6, 10)}
    style_masks["eyes"][:, :5] = 1
    style_masks["skin"][:, 5:] = 1
    # the photo is all pattern B but labelled "eyes": guidance must pick eye patches (pattern A)
    generated = torch.zeros(1, 2, 6, 6)
    generated[0, 1] = 1.0
    photo_masks = {"eyes": torch.ones(6, 6)}
    guided = PatchLoss("l", style, region_labels(style_masks, (6, 10)), region_labels(photo_masks, (6, 6)))
    plain = PatchLoss("l", style)
    assert float(guided({"l": generated})) > float(plain({"l": generated}))
    assert guided.targets.view(-1, 2, 9)[:, 0].mean() > 0.5  # the eye pattern
