"""The multi-layer perceptron: a stack of dense layers."""
from __future__ import annotations

from typing import Sequence


from .activations import Activation, get_activation
from .costs import Cost
from .layers import Dense
from .model import Model


class MLP(Model):
    """A stack of :class:`~nnlib.layers.Dense` layers, e.g. ``MLP([784, 30, 10])``.

    Parameters
    ----------
    layer_sizes: [n_in, hidden…, n_out]; no hidden sizes gives a single (linear + output) layer.
    activation: the hidden layers' activation, one for all or a list, one per hidden layer.
    output_activation: the output layer's activation.
    cost: the training cost (``"categorical_cross_entropy"`` needs a softmax output,
        ``"cross_entropy"`` a sigmoid one; ``"quadratic"`` and ``"mse"`` take any).
    init: weight initialiser (see :mod:`nnlib.initializers`).
    random_state: an int s (replica k is seeded s + k) or one seed per replica.
    n_replicas: number of independently initialised replicas trained together (default 1).
    dtype: "float32" (default) or "float64".

    Input X: (m, n_in).  Outputs: (m, n_out), or (K, m, n_out) with K > 1 replicas.
    """

    def __init__(self, layer_sizes: Sequence[int], activation: str | dict | Sequence = "relu",
                 output_activation: str | dict | Activation = "softmax",
                 cost: str | dict | Cost = "categorical_cross_entropy", init: str = "glorot",
                 random_state: int | Sequence[int] = 0, n_replicas: int | None = None,
                 dtype: str = "float32"):
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes needs an input and an output size, all ≥ 1; got {list(layer_sizes)}")
        n_hidden = len(sizes) - 2
        if isinstance(activation, (list, tuple)):
            hidden = list(activation)
        else:
            get_activation(activation)  # a bad name is refused even with no hidden layer
            hidden = [activation] * n_hidden
        if len(hidden) != n_hidden:
            raise ValueError(f"{len(hidden)} hidden activations given for {n_hidden} hidden layers")
        self.layer_sizes = sizes
        self.hidden_activations = [get_activation(a) for a in hidden]
        self.init = init
        acts = self.hidden_activations + [get_activation(output_activation)]
        self.layers = [Dense(n_in, n_out, act, init, shared_input=(i == 0))
                       for i, (n_in, n_out, act) in enumerate(zip(sizes[:-1], sizes[1:], acts))]
        super().__init__(n_out=sizes[-1], output_activation=acts[-1], cost=cost,
                         random_state=random_state, n_replicas=n_replicas, dtype=dtype)

    def _build(self, rngs):
        for layer in self.layers:
            layer.initialize(rngs, self.dtype)

    def parameters(self):
        out = []
        for i, layer in enumerate(self.layers):
            out += [(f"layer{i}.W", layer.W), (f"layer{i}.b", layer.b)]
        return out

    def config(self):
        return {"layer_sizes": self.layer_sizes,
                "activation": [a.config() for a in self.hidden_activations],
                "output_activation": self.output_activation.config(),
                "cost": self.cost.config(), "init": self.init}

    @property
    def n_features(self):
        return self.layer_sizes[0]

    @property
    def multiply_adds(self):
        return sum(layer.n_in * layer.n_out for layer in self.layers)

    def _forward(self, X):
        """Returns (z_L, a_L, [(input, z, a) per layer]); X (m, n_in) → z_L, a_L (K, m, n_out)."""
        cache = []
        a = X
        for layer in self.layers:
            x = a
            z, a = layer.forward(x)
            cache.append((x, z, a))
        return z, a, cache

    def _backward(self, cache, delta):
        """Backpropagation: δ_l = f'(z_l) ⊙ (δ_{l+1} W_{l+1}ᵀ), dW_l = a_{l−1}ᵀ δ_l, db_l = Σ δ_l."""
        grads = []
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            x, z, a = cache[i]
            if i < len(self.layers) - 1:
                delta = layer.activation.backward(z, a, delta)
            dW, db, dx = layer.backward_linear(x, delta, need_dx=i > 0)
            grads += [db, dW]
            delta = dx
        return grads[::-1]
