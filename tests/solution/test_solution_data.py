"""get_data_MNIST on the real files, and its errors."""
import numpy as np
import pytest

from preprocess import get_data_MNIST


@pytest.fixture(scope="module")
def mnist(data_path):
    return {subset: get_data_MNIST(subset, data_path) for subset in ("train", "test")}


@pytest.mark.parametrize("subset, n", [("train", 60000), ("test", 10000)])
def test_mnist_shapes_dtypes_and_range(subset, n, mnist):
    inputs, labels = mnist[subset]
    assert inputs.shape == (n, 784) and inputs.dtype == np.float32
    assert labels.shape == (n,) and labels.dtype == np.uint8
    assert inputs.min() == 0 and inputs.max() == 1
    np.testing.assert_array_equal(np.unique(labels), np.arange(10))


def test_first_ten_training_labels(mnist):
    _, labels = mnist["train"]
    np.testing.assert_array_equal(labels[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])


def test_default_data_path_is_relative_to_solution(data_path, monkeypatch):
    monkeypatch.chdir(data_path.parent / "solution")
    inputs, _ = get_data_MNIST("test")
    assert inputs.shape == (10000, 784)


def test_unknown_subset_names_the_accepted_ones(data_path):
    with pytest.raises(ValueError) as error:
        get_data_MNIST("validation", data_path)
    assert all(word in str(error.value) for word in ('"train"', '"test"', "validation"))


def test_missing_folder_says_to_run_make_setup(tmp_path):
    with pytest.raises(FileNotFoundError, match="make setup"):
        get_data_MNIST("train", tmp_path / "nowhere")


def test_missing_labels_file_says_to_run_make_setup(tmp_path, data_path):
    (tmp_path / "mnist").mkdir()
    images = "t10k-images-idx3-ubyte.gz"
    (tmp_path / "mnist" / images).write_bytes((data_path / "mnist" / images).read_bytes())
    with pytest.raises(FileNotFoundError, match="t10k-labels.*make setup"):
        get_data_MNIST("test", tmp_path)
