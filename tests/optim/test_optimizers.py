"""The optimisers on problems whose answer is known."""

import torch

from facestyle.optim.optimizers import LBFGS, Adam


def _quadratic(image, scales):
    def evaluate():
        value = (scales * (image - 0.3) ** 2).sum()
        value.backward()
        return {"total": value.detach()}

    return evaluate


def test_lbfgs_solves_an_ill_conditioned_quadratic_with_about_one_evaluation_per_step():
    image = torch.zeros(1, 3, 4, 4, requires_grad=True)
    scales = torch.logspace(0, 3, image.numel()).reshape(image.shape)  # condition number 1000
    optimizer = LBFGS(image, history_size=30)
    evaluations = 0
    for _ in range(100):
        result = optimizer.step(_quadratic(image, scales))
        evaluations += result.evaluations
        if result.converged:
            break
    assert torch.allclose(image.detach(), torch.full_like(image, 0.3), atol=1e-2)
    assert evaluations <= 115


def test_lbfgs_beats_gradient_descent_scale_on_rosenbrock():
    x = torch.tensor([[-1.2, 1.0]], requires_grad=True)

    def evaluate():
        a, b = x[0, 0], x[0, 1]
        value = (1 - a) ** 2 + 100 * (b - a * a) ** 2
        value.backward()
        return {"total": value.detach()}

    optimizer = LBFGS(x, first_step=0.1)
    for _ in range(200):
        if optimizer.step(evaluate).converged:
            break
    assert torch.allclose(x.detach(), torch.tensor([[1.0, 1.0]]), atol=1e-3)


def test_adam_keeps_pixels_in_range():
    image = torch.full((1, 3, 2, 2), 0.99, requires_grad=True)

    def evaluate():
        value = -image.sum()  # pushes every pixel up, past 1
        value.backward()
        return {"total": value.detach()}

    optimizer = Adam(image, lr=0.5)
    for _ in range(5):
        optimizer.step(evaluate)
    assert image.max().item() <= 1.0


def test_bounded_lbfgs_stays_in_the_box_and_finds_the_constrained_minimum():
    # The unconstrained minimum (−0.5 and 1.5 alternately) lies outside [0, 1]: the answer is the clipped one.
    # float64: in float32 the last 1e-3 of the weakly weighted entries is below J's resolution.
    image = torch.full((1, 3, 4, 4), 0.5, dtype=torch.float64, requires_grad=True)
    goal = torch.tensor([-0.5, 1.5, 0.4] * 16, dtype=torch.float64)[: image.numel()].reshape(image.shape)
    scales = torch.logspace(0, 2, image.numel(), dtype=torch.float64).reshape(image.shape)

    def evaluate():
        value = (scales * (image - goal) ** 2).sum()
        value.backward()
        return {"total": value.detach()}

    optimizer = LBFGS(image, bounds=(0.0, 1.0))
    for _ in range(100):
        result = optimizer.step(evaluate)
        assert 0.0 <= image.min().item() and image.max().item() <= 1.0
        if result.converged:
            break
    assert torch.allclose(image.detach(), goal.clamp(0, 1), atol=1e-3)


def test_unbounded_lbfgs_leaves_the_box_on_the_same_problem():
    # The control for the test above: without bounds the same problem goes outside [0, 1].
    image = torch.full((1, 3, 2, 2), 0.5, requires_grad=True)

    def evaluate():
        value = ((image - 1.5) ** 2).sum()
        value.backward()
        return {"total": value.detach()}

    optimizer = LBFGS(image)
    for _ in range(20):
        optimizer.step(evaluate)
    assert image.min().item() > 1.0


def test_a_step_that_leaves_the_value_unchanged_is_not_taken():
    # bf16 evaluations late in a long run: a tiny step leaves J bit-for-bit equal, and the Armijo
    # margin (1e-4 · gradient · step) is below J's float resolution. Accepting such steps would let a
    # run repeat one J for hundreds of steps, so the step is refused and the optimiser reports convergence.
    image = torch.zeros(10, requires_grad=True)

    def flat():
        image.grad = torch.full_like(image, 1e-12)
        return {"total": torch.tensor(5.0)}

    result = LBFGS(image).step(flat)
    assert result.converged
    assert torch.equal(image.detach(), torch.zeros(10))


def _reference_direction(pairs, grad, free):
    """−H·grad by the textbook two-loop recursion on explicitly restricted pairs (s∘free, y∘free)."""
    restricted = [(s * free, y * free) for s, y in pairs]
    restricted = [(s, y, 1.0 / (y @ s)) for s, y in restricted if float(y @ s) > 1e-10]
    q, alphas = -grad * free, []
    for s, y, rho in reversed(restricted):
        alphas.append(rho * (s @ q))
        q = q - alphas[-1] * y
    s, y, _ = restricted[-1]
    q = q * ((s @ y) / (y @ y))
    for (s, y, rho), alpha in zip(restricted, reversed(alphas)):
        q = q + (alpha - rho * (y @ q)) * s
    return q


def test_the_in_place_two_loop_matches_the_textbook_recursion_with_and_without_a_free_mask():
    from facestyle.optim.optimizers import _History

    torch.manual_seed(0)
    n, history = 500, _History()
    pairs = []
    for _ in range(8):
        s = torch.randn(n, dtype=torch.float64)
        y = s * torch.rand(n, dtype=torch.float64) + 0.1 * torch.randn(n, dtype=torch.float64)
        history.push(s, y, 6)
        pairs = (pairs + [(s, y)])[-6:] if float(y @ s) > 1e-10 else pairs
    grad = torch.randn(n, dtype=torch.float64)
    free = (torch.rand(n) > 0.3).to(torch.float64)
    everything, before = torch.ones(n, dtype=torch.float64), grad.clone()
    assert torch.allclose(history.direction(grad, free), _reference_direction(pairs, grad, free), atol=1e-10)
    assert torch.allclose(history.direction(grad), _reference_direction(pairs, grad, everything), atol=1e-10)
    assert float(history.direction(grad, free)[free == 0].abs().max()) == 0.0  # held entries stay put
    assert torch.equal(grad, before)  # the gradient is not modified in place
