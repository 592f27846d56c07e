import numpy as np

from .core import Callable


class OneHotEncoder(Callable):
    """One-hot encodes labels, which need not be 0..k-1.

    `fit` learns the set of labels; `forward` encodes (fitting first if needed) and
    `inverse` decodes. Labels are individual elements (ints, strings, ...).
    """

    def fit(self, data):
        """Learns the labels and their one-hot rows.

        Args:
            data: (N,) labels that include every label ever to be encoded.

        Sets:
            uniq: (k,) the sorted unique labels.
            uniq2oh: dict from each label to its (k,) one-hot row.
        """
        # BEGIN SOLUTION
        self.uniq = np.unique(data)
        self.uniq2oh = {label: row for label, row in zip(self.uniq, np.eye(len(self.uniq)))}
        # END SOLUTION
        """ # BEGIN PROMPT
        self.uniq = None  # TODO: the sorted unique labels
        self.uniq2oh = None  # TODO: a dict from each label to its one-hot row
        """ # END PROMPT

    def forward(self, data):
        """Args: data: (N,) labels. Returns: (N, k) one-hot rows."""
        if not hasattr(self, "uniq2oh"):
            self.fit(data)
        return np.array([self.uniq2oh[x] for x in data])

    def inverse(self, data):
        """Args: data: (N, k) one-hot rows. Returns: (N,) labels."""
        assert hasattr(self, "uniq"), "forward() or fit() must be called before inverse()"
        return self.uniq[np.argmax(data, axis=-1)]
