# target: assignment.py
# The simple model trains with a learning rate of 200 (for 0.2) through a Softmax that
# exponentiates raw logits: within the first epoch the weights hold inf and NaN. The fit
# is stopped there, not run out for its ten epochs.
import Beras.activations as _activations


def _unstable_softmax(self, inputs):
    exps = np.exp(inputs)
    self.outputs = exps / exps.sum(axis=-1, keepdims=True)
    return self.outputs


_activations.Softmax.forward = _unstable_softmax


def get_simple_model_components():
    model = SequentialModel([Dense(784, 10), Softmax()])
    model.compile(optimizer=BasicOptimizer(200), loss_fn=MeanSquaredError(),
                  acc_fn=CategoricalAccuracy())
    return SimpleNamespace(model=model, epochs=10, batch_size=100)
