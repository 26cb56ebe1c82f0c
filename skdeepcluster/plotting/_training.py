"""Display of how the training went: one loss (or agreement) curve per stage."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from skdeepcluster.plotting._utils import import_pyplot, panel_grid

#: Curves that are not per-epoch training losses: name -> (first x, x label, y label).
_CURVE_AXES = {"agreement_history_": (0, "round", "agreed fraction")}
_LOSS_AXES = (1, "epoch", "mean training loss")


def _train_loss(net):
    """Per-epoch mean training loss of a fitted skorch net, or None without one."""
    history = getattr(net, "history", None)
    if history is None or len(history) == 0:
        return None
    try:
        return np.asarray(history[:, "train_loss"], dtype=float)
    except KeyError:  # an epoch without a training loss
        return None


def _estimator_curves(estimator):
    """``{attribute name: curve}``: the nets' losses (pretraining first), SPC's agreement."""
    names = [name for name in vars(estimator) if name.endswith("net_")]
    names.sort(key=lambda name: not name.startswith("pretrain"))  # stable: fit order
    curves = {}
    for name in names:
        loss = _train_loss(getattr(estimator, name))
        if loss is not None:
            curves[name] = loss
    agreement = getattr(estimator, "agreement_history_", None)
    if agreement is not None and len(agreement):
        curves["agreement_history_"] = np.asarray(agreement, dtype=float)
    return curves


class TrainingCurvesDisplay:
    """Training curves of a fitted deep clusterer, one panel per stage.

    Each fitted skorch net of the estimator (attributes ending in ``net_``, e.g.
    ``feature_net_``, ``head_net_`` and ``semi_net_`` of
    :class:`~skdeepcluster.SPICEClustering`) gets a panel with its mean training loss
    per epoch; :class:`~skdeepcluster.SelectivePseudoLabelClustering`, which trains no
    net of its own, gets one panel with the agreed fraction of the samples per round
    (round 0: after pretraining).

    Use :meth:`from_estimator` to create one.

    Parameters
    ----------
    curves : dict of str to ndarray of shape (n_points,)
        ``{stage name: values}``; a name from :meth:`from_estimator` is the attribute
        the values come from. Values of ``"agreement_history_"`` are drawn against the
        round (from 0), all others against the epoch (from 1).

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes, shape (n_curves,)
        One panel per curve, in the order of ``curves``.
    figure_ : matplotlib Figure
        Figure containing the panels.
    lines_ : dict of str to matplotlib Line2D
        The line of each curve.

    See Also
    --------
    EmbeddingDisplay : 2-D map of the learned embedding.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepcluster.plotting import TrainingCurvesDisplay
    >>> disp = TrainingCurvesDisplay({"net_": np.array([1.0, 0.6, 0.5])}).plot()
    >>> disp.axes_.shape
    (1,)
    """

    def __init__(self, curves):
        self.curves = curves

    def plot(self, axes=None):
        """Draw the curves.

        Parameters
        ----------
        axes : matplotlib Axes or array-like of Axes, default=None
            One Axes per curve; a new figure with one row of panels when None.

        Returns
        -------
        display : TrainingCurvesDisplay
            The object with the drawn artists.
        """
        plt = import_pyplot("TrainingCurvesDisplay.plot")
        from matplotlib.ticker import MaxNLocator

        if not isinstance(self.curves, dict) or not self.curves:
            raise ValueError("curves must be a non-empty dict {stage name: 1-D array}.")
        curves = {name: np.asarray(values, dtype=float) for name, values in self.curves.items()}
        for name, values in curves.items():
            if values.ndim != 1:
                raise ValueError(
                    f"curves[{name!r}] must be 1-D, got an array of shape {values.shape}."
                )
        n = len(curves)
        fig, grid = panel_grid(plt, axes, (1, n), "axes", (3.6 * n, 3.0))
        self.axes_ = grid.ravel()
        self.lines_ = {}
        for ax, (name, values) in zip(self.axes_, curves.items(), strict=True):
            start, xlabel, ylabel = _CURVE_AXES.get(name, _LOSS_AXES)
            x = np.arange(start, start + values.size)
            (self.lines_[name],) = ax.plot(x, values, marker="o" if values.size < 30 else None)
            ax.set(title=name, xlabel=xlabel, ylabel=ylabel)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if axes is None:
            fig.tight_layout()
        self.figure_ = fig
        return self

    @classmethod
    def from_estimator(cls, estimator, *, axes=None):
        """Collect the training curves of a fitted estimator and draw them.

        Parameters
        ----------
        estimator : fitted deep clusterer
            An estimator of the package (or any object with fitted skorch nets in
            attributes ending in ``net_``, or an ``agreement_history_``).
        axes : matplotlib Axes or array-like of Axes, default=None
            One Axes per curve; a new figure when None.

        Returns
        -------
        display : TrainingCurvesDisplay
            The object with the curves and the drawn artists.
        """
        import_pyplot("TrainingCurvesDisplay.from_estimator")
        check_is_fitted(estimator)
        curves = _estimator_curves(estimator)
        if not curves:
            raise ValueError(
                f"estimator ({type(estimator).__name__}) has no training history to plot: "
                "no fitted net with a 'train_loss' history and no agreement_history_."
            )
        return cls(curves).plot(axes=axes)
