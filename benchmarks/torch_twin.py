"""The same model in PyTorch: layers, initial weights, loss, optimizer, batch size.

Built from a Beras model, so it follows whatever the reference's
`get_advanced_model_components()` says. Benchmark-only: PyTorch never enters the kit.
"""
import torch
from torch import nn


def contract_crossentropy(probs, truths, eps=1e-8):
    """The contract's CategoricalCrossentropy: a mean *binary* cross-entropy, clipped.

    mean_b(-mean_j[t log clip(p) + (1 - t) log clip(1 - p)]), clip to [eps, 1 - eps].
    """
    ll_right = truths * torch.log(probs.clamp(eps, 1 - eps))
    ll_wrong = (1 - truths) * torch.log((1 - probs).clamp(eps, 1 - eps))
    return -(ll_right + ll_wrong).mean(dim=-1).mean()


def mean_squared_error(probs, truths):
    return ((probs - truths) ** 2).mean()


def twin_layer(layer):
    """One Beras module as a torch module, with the same weights."""
    kind = type(layer).__name__
    if kind == "Dense":
        linear = nn.Linear(*layer.w.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.w.T.copy()))  # torch keeps (out, in)
            linear.bias.copy_(torch.from_numpy(layer.b.reshape(-1).copy()))
        return linear
    if kind in ("LeakyReLU", "ReLU"):
        return nn.LeakyReLU(layer.alpha)
    if kind == "Softmax":
        return nn.Softmax(dim=-1)
    if kind == "Sigmoid":
        return nn.Sigmoid()
    raise ValueError(f"no PyTorch twin for {kind}")


def twin_optimizer(optimizer, params):
    kind = type(optimizer).__name__
    if kind == "Adam":  # torch adds eps to sqrt(v_hat) like the contract does
        return torch.optim.Adam(params, lr=optimizer.learning_rate, eps=optimizer.epsilon,
                                betas=(optimizer.beta_1, optimizer.beta_2),
                                amsgrad=optimizer.amsgrad)
    if kind == "RMSProp":
        return torch.optim.RMSprop(params, lr=optimizer.learning_rate, alpha=optimizer.beta,
                                   eps=optimizer.epsilon)
    if kind == "BasicOptimizer":
        return torch.optim.SGD(params, lr=optimizer.learning_rate)
    raise ValueError(f"no PyTorch twin for {kind}")


LOSSES = {"CategoricalCrossentropy": contract_crossentropy,
          "MeanSquaredError": mean_squared_error}


class Twin:
    """A compiled Beras model's PyTorch counterpart, trained like `Model.fit`."""

    def __init__(self, beras_model):
        self.net = nn.Sequential(*(twin_layer(layer) for layer in beras_model.layers))
        self.loss_fn = LOSSES[type(beras_model.compiled_loss).__name__]
        self.optimizer = twin_optimizer(beras_model.optimizer, self.net.parameters())

    def batch_step(self, x, y):
        probs = self.net(x)
        loss = self.loss_fn(probs, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        acc = (probs.argmax(dim=-1) == y.argmax(dim=-1)).float().mean()
        return loss.item(), acc.item()

    def epoch(self, x, y, batch_size):
        """One epoch of sequential batches, the last partial one dropped, like `fit`.

        Args:
            x: (N, in) float32 tensor.
            y: (N, k) float32 one-hot tensor.

        Returns:
            (mean loss, mean accuracy) over the batches.
        """
        losses, accs = [], []
        for b0 in range(0, len(x) // batch_size * batch_size, batch_size):
            loss, acc = self.batch_step(x[b0:b0 + batch_size], y[b0:b0 + batch_size])
            losses.append(loss)
            accs.append(acc)
        return sum(losses) / len(losses), sum(accs) / len(accs)
