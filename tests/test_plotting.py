"""skdeepcluster.plotting: every display draws the right data on an Agg canvas."""

import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits, make_blobs  # noqa: E402

from skdeepcluster.metrics import clustering_accuracy  # noqa: E402
from skdeepcluster.plotting import (  # noqa: E402
    ClusterConfusionDisplay,
    ConfidentExamplesDisplay,
    EmbeddingDisplay,
    TrainingCurvesDisplay,
)
from tests.estimators import clusmatch, mtdc, spc, spice  # noqa: E402

FACTORIES = {"SPICE": spice, "SPC": spc, "ClusMatch": clusmatch, "MTDC": mtdc}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def blobs_data():
    X, y = make_blobs(n_samples=90, centers=3, cluster_std=0.6, random_state=0)
    return X.astype(np.float64), y


def _fit(estimator, X):
    import torch  # module-scoped fixtures run before conftest's one-thread fixture

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return estimator.fit(X)
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module", params=list(FACTORIES))
def fitted(request, blobs_data):
    """Each of the four estimators, fitted on the blobs."""
    return _fit(FACTORIES[request.param](), blobs_data[0])


@pytest.fixture(scope="module")
def vector_mtdc(blobs_data):
    """One estimator fitted on vectors, for the tests that need only one."""
    return _fit(mtdc(), blobs_data[0])


@pytest.fixture(scope="module")
def digits():
    """150 8x8 digit images of three classes, and an MTDC fitted on them."""
    data = load_digits(n_class=3)
    X, y = data.images[:150], data.target[:150]
    return X, y, _fit(mtdc(), X)


def _distinct_colours(collection):
    return np.unique(np.round(collection.get_facecolors(), 6), axis=0).shape[0]


# ---------------------------------------------------------------------- EmbeddingDisplay
def test_embedding_from_estimator(fitted, blobs_data):
    X, _ = blobs_data
    disp = EmbeddingDisplay.from_estimator(fitted, X)
    disp.figure_.canvas.draw()
    labels = fitted.predict(X)
    assert disp.scatter_.get_offsets().shape == (X.shape[0], 2)
    assert _distinct_colours(disp.scatter_) == np.unique(labels).size
    legend = disp.ax_.get_legend()
    assert len(legend.get_texts()) == np.unique(labels).size
    assert legend.get_title().get_text() == "cluster"
    assert disp.ax_.figure is disp.figure_
    assert disp.ax_.get_xlabel() and disp.ax_.get_ylabel()
    np.testing.assert_array_equal(disp.labels, labels)


def test_embedding_coloured_by_y_on_given_ax(blobs_data, vector_mtdc):
    X, y = blobs_data
    _, ax = plt.subplots()
    disp = EmbeddingDisplay.from_estimator(vector_mtdc, X, y=y, ax=ax, s=5)
    assert disp.ax_ is ax
    assert disp.label_name == "label"
    assert _distinct_colours(disp.scatter_) == 3
    assert disp.ax_.get_legend().get_title().get_text() == "label"
    assert disp.ax_.get_xlabel() == "PCA 1"


def test_embedding_skips_reduction_for_two_columns(blobs_data):
    X, _ = blobs_data
    est = spc(latent_dim=1).fit(X)  # two members of one dimension: a 2-column embedding
    disp = EmbeddingDisplay.from_estimator(est, X)
    np.testing.assert_allclose(disp.embedding_2d, est.transform(X))
    np.testing.assert_allclose(disp.scatter_.get_offsets(), est.transform(X))
    assert disp.ax_.get_xlabel() == "embedding 1"


def test_embedding_umap(blobs_data, vector_mtdc):
    X, _ = blobs_data
    disp = EmbeddingDisplay.from_estimator(vector_mtdc, X, method="umap")
    assert disp.embedding_2d.shape == (X.shape[0], 2)
    assert disp.ax_.get_xlabel() == "UMAP 1"


def test_embedding_direct_and_errors(blobs_data, vector_mtdc):
    labels = np.array(["a", "b", "b", "c", "c", "c"])
    disp = EmbeddingDisplay(np.arange(12.0).reshape(6, 2), labels).plot()
    assert _distinct_colours(disp.scatter_) == 3
    assert [t.get_text() for t in disp.ax_.get_legend().get_texts()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="embedding_2d"):
        EmbeddingDisplay(np.zeros((6, 3)), labels).plot()
    with pytest.raises(ValueError, match="labels"):
        EmbeddingDisplay(np.zeros((5, 2)), labels).plot()
    with pytest.raises(ValueError, match="scatter_kwargs"):
        EmbeddingDisplay(np.zeros((6, 2)), labels).plot(c="red")
    X, y = blobs_data
    with pytest.raises(ValueError, match="method"):
        EmbeddingDisplay.from_estimator(vector_mtdc, X, method="tsne")
    with pytest.raises(ValueError, match="y"):
        EmbeddingDisplay.from_estimator(vector_mtdc, X, y=y[:10])


# ---------------------------------------------------------------------- ClusterConfusionDisplay
def test_confusion_hand_made():
    disp = ClusterConfusionDisplay.from_predictions([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1])
    cm = disp.confusion_matrix
    assert cm.sum() == 6
    np.testing.assert_array_equal(np.diag(cm), [2, 2, 2])
    np.testing.assert_array_equal(disp.cluster_ids, [2, 0, 1])
    np.testing.assert_array_equal(disp.class_ids, [0, 1, 2])
    assert disp.text_.shape == (3, 3)
    assert disp.text_[0, 0].get_text() == "2" and disp.text_[0, 1].get_text() == "0"
    np.testing.assert_array_equal(disp.im_.get_array(), cm)
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["2", "0", "1"]
    disp.figure_.canvas.draw()


def test_confusion_unmatched_cluster_last():
    disp = ClusterConfusionDisplay.from_predictions([0, 0, 1, 1, 1], [5, 5, 3, 3, 7])
    np.testing.assert_array_equal(disp.cluster_ids, [5, 3, 7])
    np.testing.assert_array_equal(disp.confusion_matrix, [[2, 0, 0], [0, 2, 1]])


def test_confusion_more_classes_than_clusters():
    y_true = ["a", "a", "b", "b", "b", "c", "c"]
    disp = ClusterConfusionDisplay.from_predictions(y_true, [1, 1, 0, 0, 0, 0, 1])
    cm = disp.confusion_matrix
    assert cm.shape == (3, 2) and cm.sum() == 7
    # cluster 1 <-> "a", cluster 0 <-> "b"; the unmatched class "c" goes last
    np.testing.assert_array_equal(disp.class_ids, ["a", "b", "c"])
    np.testing.assert_array_equal(disp.cluster_ids, [1, 0])
    np.testing.assert_array_equal(np.diag(cm), [2, 3])
    disp = ClusterConfusionDisplay.from_predictions([0, 0, 1, 1, 2, 2], [1, 1, 1, 1, 0, 0])
    assert disp.class_ids[-1] in (0, 1)  # cluster 1 takes class 0 or 1 (a tie), not both
    np.testing.assert_array_equal(np.diag(disp.confusion_matrix), [2, 2])


@pytest.mark.parametrize("normalize, axis", [("true", 1), ("pred", 0), ("all", None)])
def test_confusion_normalize(normalize, axis):
    disp = ClusterConfusionDisplay.from_predictions([0, 0, 1, 1, 1], [1, 0, 0, 0, 2],
                                                    normalize=normalize)
    np.testing.assert_allclose(disp.confusion_matrix.sum(axis=axis), 1.0)


def test_confusion_from_estimator_and_errors(fitted, blobs_data):
    X, y = blobs_data
    disp = ClusterConfusionDisplay.from_estimator(fitted, X, y)
    cm = disp.confusion_matrix
    assert cm.sum() == X.shape[0]
    pred = fitted.predict(X)
    assert np.trace(cm) / X.shape[0] == pytest.approx(clustering_accuracy(y, pred))
    with pytest.raises(ValueError, match="normalize"):
        ClusterConfusionDisplay.from_estimator(fitted, X, y, normalize="rows")
    with pytest.raises(ValueError, match="labels_pred"):
        ClusterConfusionDisplay.from_predictions([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y_true"):
        ClusterConfusionDisplay.from_predictions([[0, 1]], [0, 1])


# ---------------------------------------------------------------------- TrainingCurvesDisplay
def test_training_curves_from_estimator(fitted):
    nets = {name: net for name, net in vars(fitted).items()
            if name.endswith("net_") and net is not None and len(net.history)}
    disp = TrainingCurvesDisplay.from_estimator(fitted)
    disp.figure_.canvas.draw()
    if nets:
        assert set(disp.curves) == set(nets) == set(disp.lines_)
        for name, net in nets.items():
            np.testing.assert_allclose(disp.lines_[name].get_ydata(),
                                       net.history[:, "train_loss"])
            np.testing.assert_array_equal(disp.lines_[name].get_xdata(),
                                          np.arange(1, len(net.history) + 1))
    else:  # SPC: the agreement per round, from round 0
        assert list(disp.curves) == ["agreement_history_"]
        line = disp.lines_["agreement_history_"]
        np.testing.assert_allclose(line.get_ydata(), fitted.agreement_history_)
        assert line.get_xdata()[0] == 0
    assert disp.axes_.shape == (len(disp.curves),)
    assert [ax.get_title() for ax in disp.axes_] == list(disp.curves)
    assert all(ax.figure is disp.figure_ for ax in disp.axes_)


def test_training_curves_axes_and_errors():
    curves = {"pretrain_net_": np.array([2.0, 1.0]), "net_": np.array([1.0, 0.5, 0.4])}
    fig, axes = plt.subplots(2, 1)
    disp = TrainingCurvesDisplay(curves).plot(axes=axes)
    assert disp.figure_ is fig and list(disp.axes_) == list(axes)
    with pytest.raises(ValueError, match="axes"):
        TrainingCurvesDisplay(curves).plot(axes=axes[:1])
    with pytest.raises(ValueError, match="curves"):
        TrainingCurvesDisplay({}).plot()
    with pytest.raises(ValueError, match="curves"):
        TrainingCurvesDisplay({"net_": np.zeros((2, 2))}).plot()


# ---------------------------------------------------------------------- ConfidentExamplesDisplay
def test_confident_examples_grid(digits):
    X, _, est = digits
    disp = ConfidentExamplesDisplay.from_estimator(est, X, n_per_cluster=8)
    disp.figure_.canvas.draw()
    assert disp.axes_.shape == (3, 8)
    proba, labels = est.predict_proba(X), est.predict(X)
    for k in range(3):
        members = np.flatnonzero(labels == k)
        n_shown = min(members.size, 8)
        assert [ax.axison for ax in disp.axes_[k]] == [True] * n_shown + [False] * (8 - n_shown)
        row = disp.confidences[k, :n_shown]
        assert np.all(np.diff(row) <= 0)
        if members.size:
            best = members[np.argmax(proba[members, k])]
            assert row[0] == pytest.approx(proba[best, k])
            image = disp.axes_[k, 0].images[0]
            np.testing.assert_allclose(image.get_array(), X[best])
            assert image.get_cmap().name == "gray"


def test_confident_examples_rgb_and_errors(digits, vector_mtdc, blobs_data):
    rng = np.random.RandomState(0)
    bright = np.arange(24) % 2  # dark and bright RGB images, pixel values up to 255
    X = 255 * (0.3 * rng.rand(24, 3, 8, 8) + 0.6 * bright[:, None, None, None])
    est = clusmatch(n_clusters=2, labeled_batch_size=4).fit(X)
    disp = ConfidentExamplesDisplay.from_estimator(est, X, n_per_cluster=2)
    assert disp.axes_.shape == (2, 2)
    np.testing.assert_array_equal(disp.images.shape, (2, 2, 8, 8, 3))  # channels last
    shown = [ax.images[0].get_array() for ax in disp.axes_.ravel() if ax.images]
    assert shown and all(a.shape == (8, 8, 3) and a.min() >= 0 and a.max() <= 1 for a in shown)
    with pytest.raises(ValueError, match="estimator must be fitted on images"):
        ConfidentExamplesDisplay.from_estimator(vector_mtdc, blobs_data[0])
    with pytest.raises(ValueError, match="n_per_cluster"):
        ConfidentExamplesDisplay.from_estimator(digits[2], digits[0], n_per_cluster=0)
    with pytest.raises(ValueError, match="axes"):
        ConfidentExamplesDisplay.from_estimator(est, X, n_per_cluster=2,
                                                axes=plt.subplots(1, 3)[1])


# ---------------------------------------------------------------------- matplotlib missing
def test_clear_import_error_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "skdeepcluster\[plot\]"'):
        TrainingCurvesDisplay({"net_": np.ones(2)}).plot()


def test_package_imports_without_matplotlib():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'matplotlib':\n"
        "            raise ImportError('blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import skdeepcluster.plotting\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
