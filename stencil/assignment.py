from types import SimpleNamespace

import numpy as np

import Beras
from Beras.activations import LeakyReLU, Sigmoid, Softmax
from Beras.layers import Dense
from Beras.losses import CategoricalCrossentropy, MeanSquaredError
from Beras.metrics import CategoricalAccuracy
from Beras.optimizers import Adam, BasicOptimizer


class SequentialModel(Beras.Model):
    """A model that applies its layers one after the other.

    Implemented in Beras/model.py: __init__(layers), compile(optimizer, loss_fn,
    acc_fn), fit(x, y, epochs, batch_size), evaluate(x, y, batch_size).
    """

    def call(self, inputs):
        """The forward pass: each layer's output is the next layer's input.

        Args:
            inputs: (B, ...) batch.

        Returns:
            The last layer's output.
        """
        ## TODO: pass the inputs through every layer, in order
        return None

    def batch_step(self, x, y, training=True):
        """Runs one batch: the forward pass and the loss inside a Beras.GradientTape,
        then, only when training, the optimizer's update of the trainable variables.

        Args:
            x: (B, ...) inputs.
            y: (B, n) one-hot targets.
            training: whether to update the weights.

        Returns:
            {"loss": scalar, "acc": scalar} for the batch.
        """
        ## TODO: compute the loss inside a GradientTape; when training, apply the
        ## tape's gradients to self.trainable_variables with self.optimizer
        return {"loss": None, "acc": None}


def get_simple_model_components():
    """The simple (1470) model: Dense(784, 10) then Softmax, trained with
    BasicOptimizer(0.2) on MeanSquaredError, measured by CategoricalAccuracy,
    for 10 epochs of batch size 100.

    Returns:
        SimpleNamespace(model, epochs, batch_size), the model compiled.
    """
    model = None  # TODO: build and compile the model described above
    return SimpleNamespace(model=model, epochs=None, batch_size=None)


def get_advanced_model_components():
    """A multi-layer model of your own design (2470 bar: test accuracy > 0.95).

    Returns:
        SimpleNamespace(model, epochs, batch_size), the model compiled.
    """
    model = None  # TODO: build and compile a multi-layer model
    return SimpleNamespace(model=model, epochs=None, batch_size=None)


def main():
    """Reads MNIST, then trains and tests the simple and the advanced model."""
    import preprocess
    from Beras.onehot import OneHotEncoder

    train_inputs, train_labels = preprocess.get_data_MNIST("train", "../data")
    test_inputs, test_labels = preprocess.get_data_MNIST("test", "../data")

    ohe = OneHotEncoder()
    ohe.fit(np.concatenate([train_labels, test_labels], axis=-1))

    for name, get_components in [("Simple", get_simple_model_components),
                                 ("Advanced", get_advanced_model_components)]:
        print(f"{name} model")
        args = get_components()
        args.model.fit(train_inputs, ohe(train_labels), epochs=args.epochs,
                       batch_size=args.batch_size)
        test_metrics = args.model.evaluate(test_inputs, ohe(test_labels), batch_size=100)
        print(f"{name} model testing performance: {test_metrics}")


if __name__ == "__main__":
    main()
