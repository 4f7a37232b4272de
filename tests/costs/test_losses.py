"""The report's formulas, checked against values computed by hand on tiny tensors."""

import pytest
import torch

from facestyle.costs.losses import (
    ContentLoss,
    StyleLoss,
    content_cost,
    gram_matrix,
    style_layer_cost,
    total_variation,
)


def test_gram_matrix_of_a_tiny_map_matches_hand_computation():
    # Two channels over a 1×2 map: a = [[1, 2], [3, 4]] → G = [[1+4, 3+8], [3+8, 9+16]].
    features = torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]])
    assert torch.equal(gram_matrix(features), torch.tensor([[[5.0, 11.0], [11.0, 25.0]]]))


def test_gram_matrix_keeps_batch_items_apart():
    a = torch.randn(1, 3, 4, 5)
    b = torch.randn(1, 3, 4, 5)
    both = gram_matrix(torch.cat([a, b]))
    assert torch.allclose(both[0], gram_matrix(a)[0]) and torch.allclose(both[1], gram_matrix(b)[0])


def test_gram_matrix_gradient_equals_that_of_the_plain_product():
    # Its backward is hand-written (one matmul); an upstream gradient that is not symmetric
    # checks both halves of (∂L/∂G + ∂L/∂Gᵀ)·F.
    features = torch.randn(2, 3, 4, 5, dtype=torch.float64, requires_grad=True)
    upstream = torch.randn(2, 3, 3, dtype=torch.float64)
    (gram_matrix(features) * upstream).sum().backward()
    flat = features.detach().reshape(2, 3, 20).requires_grad_(True)
    (flat @ flat.transpose(1, 2) * upstream).sum().backward()
    torch.testing.assert_close(features.grad, flat.grad.reshape(2, 3, 4, 5))
    assert torch.autograd.gradcheck(gram_matrix, (features.detach().requires_grad_(True),))


def test_gram_matrix_of_channels_last_features_keeps_their_layout_and_gradient():
    # The bf16 and GPU encoders give channels-last activations; their Gram gradient must be the
    # same numbers and come back in that layout, so autograd's sum with the next conv's gradient
    # is not a mixed-layout add.
    features = torch.randn(2, 3, 4, 5, dtype=torch.float64)
    upstream = torch.randn(2, 3, 3, dtype=torch.float64)
    plain = features.clone().requires_grad_(True)
    nhwc = features.clone().contiguous(memory_format=torch.channels_last).requires_grad_(True)
    arriving = []  # a leaf's .grad is restrided to the leaf's layout; what the graph passes is not
    activations = nhwc * 1
    activations.register_hook(arriving.append)
    (gram_matrix(plain) * upstream).sum().backward()
    (gram_matrix(activations) * upstream).sum().backward()
    torch.testing.assert_close(nhwc.grad, plain.grad)
    assert arriving[0].is_contiguous(memory_format=torch.channels_last)
    assert torch.autograd.gradcheck(gram_matrix, (nhwc.detach().requires_grad_(True),))


def test_content_cost_is_sum_of_squares_over_4_nh_nw_nc():
    content = torch.zeros(1, 2, 3, 4)
    generated = torch.ones(1, 2, 3, 4)
    # 24 differences of 1 → 24 / (4·3·4·2) = 0.25
    assert content_cost(content, generated).item() == pytest.approx(0.25)


def test_style_layer_cost_is_frobenius_over_2_nh_nw_nc_squared():
    shape = torch.Size([1, 2, 3, 5])
    style = torch.tensor([[[1.0, 2.0], [2.0, 3.0]]])
    generated = torch.tensor([[[0.0, 0.0], [2.0, 5.0]]])
    # ‖diff‖² = 1 + 4 + 0 + 4 = 9 ; (2·3·5·2)² = 3600
    assert style_layer_cost(style, generated, shape).item() == pytest.approx(9 / 3600)


def test_style_loss_module_equals_function_when_sizes_match():
    style = torch.rand(1, 4, 6, 5)
    generated = torch.rand(1, 4, 6, 5)
    module = StyleLoss.from_features("relu1_1", style)
    expected = style_layer_cost(gram_matrix(style), gram_matrix(generated), generated.shape)
    assert module({"relu1_1": generated}).item() == pytest.approx(expected.item(), rel=1e-5)


def test_style_loss_rescales_the_target_gram_for_another_style_size():
    # A style map tiled twice has the same statistics per position: its cost against the
    # untiled map must be ~0, which needs the area rescaling (the raw Grams differ by 2×).
    style = torch.rand(1, 3, 4, 4)
    tiled = torch.cat([style, style], dim=-1)
    module = StyleLoss.from_features("relu1_1", tiled)
    assert module({"relu1_1": style}).item() == pytest.approx(0.0, abs=1e-10)


def test_content_loss_module_equals_function():
    target, generated = torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 4)
    assert ContentLoss("relu4_2", target)({"relu4_2": generated}) == content_cost(target, generated)


def test_total_variation_of_a_step_edge():
    image = torch.zeros(1, 1, 2, 3)
    image[..., 2] = 1.0  # one vertical edge: 2 of the 4 horizontal differences are 1
    assert total_variation(image).item() == pytest.approx(0.5)


def test_loss_gradients_are_right_in_double_precision():
    torch.manual_seed(0)
    target = torch.rand(1, 2, 3, 3, dtype=torch.float64)
    style = torch.rand(1, 2, 4, 3, dtype=torch.float64)
    generated = torch.rand(1, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    style_loss = StyleLoss.from_features("relu1_1", style)
    assert torch.autograd.gradcheck(lambda g: content_cost(target, g), (generated,))
    assert torch.autograd.gradcheck(lambda g: style_loss({"relu1_1": g}), (generated,))
    assert torch.autograd.gradcheck(total_variation, (generated,))


def test_buffers_follow_the_module_and_stay_out_of_state_dict():
    module = StyleLoss.from_features("relu1_1", torch.rand(1, 2, 3, 3))
    assert module.state_dict() == {}
    assert module.double().target.dtype == torch.float64


def test_one_all_ones_region_is_the_plain_style_loss():
    from facestyle.costs.losses import RegionStyleLoss, masked_gram_per_position

    style, generated = torch.rand(1, 4, 6, 5), torch.rand(1, 4, 6, 5)
    ones = torch.ones(6, 5)
    plain = StyleLoss.from_features("relu1_1", style)({"relu1_1": generated})
    target = masked_gram_per_position(style, ones)
    region = RegionStyleLoss("relu1_1", target, ones[None], torch.ones(1))({"relu1_1": generated})
    assert region.item() == pytest.approx(plain.item(), rel=1e-5)


def test_region_losses_compare_each_region_with_its_own_target():
    from facestyle.costs.losses import RegionStyleLoss, masked_gram_per_position

    left, right = torch.zeros(4, 6), torch.zeros(4, 6)
    left[:, :3], right[:, 3:] = 1, 1
    generated = torch.rand(1, 2, 4, 6)
    masks = torch.stack([left, right])
    targets = torch.stack([masked_gram_per_position(generated, m) for m in masks])[:, 0]
    assert RegionStyleLoss("x", targets, masks, torch.ones(2))({"x": generated}).item() == pytest.approx(0, abs=1e-9)
    swapped = RegionStyleLoss("x", targets.flip(0), masks, torch.ones(2))({"x": generated}).item()
    assert swapped > 0


def test_region_loss_over_mask_boxes_equals_the_whole_image_sum_and_its_gradient():
    from facestyle.costs.losses import (
        RegionStyleLoss,
        mask_box,
        masked_gram_per_position,
    )

    generator = torch.Generator().manual_seed(0)
    small = torch.zeros(10, 12, dtype=torch.float64)
    small[2:5, 7:11] = torch.rand(3, 4, generator=generator, dtype=torch.float64) + 0.1  # an "eye"
    masks = torch.stack([small, 1 - small])
    assert mask_box(small) == (slice(2, 5), slice(7, 11))
    assert mask_box(torch.zeros(3, 3)) == (slice(0, 0), slice(0, 0))
    targets = torch.rand(2, 3, 3, generator=generator, dtype=torch.float64)
    weights = torch.tensor([0.7, 1.3], dtype=torch.float64)
    generated = torch.rand(1, 3, 10, 12, generator=generator, dtype=torch.float64, requires_grad=True)

    cropped = RegionStyleLoss("x", targets, masks, weights)({"x": generated})
    (cropped_grad,) = torch.autograd.grad(cropped, generated)
    whole = sum(
        w * (t - masked_gram_per_position(generated, m)[0]).pow(2).sum() for t, m, w in zip(targets, masks, weights)
    ) / (4 * 3**2)
    (whole_grad,) = torch.autograd.grad(whole, generated)
    torch.testing.assert_close(cropped, whole)
    torch.testing.assert_close(cropped_grad, whole_grad)


def test_weighted_content_loss_with_ones_is_the_plain_one_and_weights_count():
    from facestyle.costs.losses import WeightedContentLoss

    target, generated = torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 4)
    ones = torch.ones(1, 1, 4, 4)
    assert WeightedContentLoss("l", target, ones)({"l": generated}).item() == pytest.approx(
        content_cost(target, generated).item(), rel=1e-6)
    assert WeightedContentLoss("l", target, 3 * ones)({"l": generated}).item() == pytest.approx(
        3 * content_cost(target, generated).item(), rel=1e-6)


def test_masked_losses_have_right_gradients():
    from facestyle.costs.losses import (
        RegionStyleLoss,
        WeightedContentLoss,
        masked_gram_per_position,
    )

    torch.manual_seed(1)
    masks = torch.rand(2, 3, 3, dtype=torch.float64)
    targets = torch.stack([masked_gram_per_position(torch.rand(1, 2, 3, 3, dtype=torch.float64), m) for m in masks])[:, 0]
    region = RegionStyleLoss("x", targets, masks, torch.tensor([1.0, 0.5], dtype=torch.float64))
    weighted = WeightedContentLoss("x", torch.rand(1, 2, 3, 3, dtype=torch.float64), masks[:1, None])
    generated = torch.rand(1, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda g: region({"x": g}), (generated,))
    assert torch.autograd.gradcheck(lambda g: weighted({"x": g}), (generated,))
