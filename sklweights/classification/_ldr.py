"""LDRClassifier: an MLP classifier trained with a label-noise-robust loss."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight

from sklweights.losses._ldr import (
    NORMALIZATIONS,
    ROBUST_LOSSES,
    cross_entropy_loss,
    default_normalization,
    generalized_cross_entropy,
    ldr_kl_loss,
    mean_absolute_error_loss,
    symmetric_cross_entropy,
)
from sklweights.utils._optional import import_torch
from sklweights.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    validate_data,
)
from sklweights.utils._torch import (
    TORCH_OPTIMIZER_CONSTRAINTS,
    TORCH_PARAMETER_CONSTRAINTS,
    TorchTrainingMixin,
    fill_torch_docstring,
    torch_seed,
)
from sklweights.utils._torch._network import (
    ACTIVATIONS,
    NetworkOutputsMixin,
    WeightedStandardizer,
    build_network,
    check_hidden_layer_sizes,
)

__all__ = ["LDRClassifier"]


@fill_torch_docstring
class LDRClassifier(
    NetworkOutputsMixin, TorchTrainingMixin, ClassifierMixin, BaseEstimator
):
    """MLP classifier with a label-distributionally robust loss (ALDR-KL).

    Trained with LDR-KL, its adaptive form ALDR-KL (one temperature per
    training row) or a noise-robust baseline, for labels of which a share is
    wrong (Zhu, Ying & Yang, ICML 2023). Read more in the
    :ref:`User Guide <ldr>`.

    Parameters
    ----------
    loss : {"aldr_kl", "ldr_kl", "ce", "gce", "sce", "mae"}, default="aldr_kl"
        ``"aldr_kl"``: adaptive LDR-KL (:class:`sklweights.losses.ALDRKLLoss`,
        L1-normalised logits, as the authors code it); ``"ldr_kl"``: LDR-KL at
        one temperature (:func:`sklweights.losses.ldr_kl_loss`, softplus-mean
        normalisation); ``"ce"`` cross-entropy; ``"gce"`` generalised
        cross-entropy with ``q``; ``"sce"`` symmetric cross-entropy
        (0.1 CE + 1.0 RCE); ``"mae"`` the mean absolute error of the softmax.
    temperature : float, default=10.0
        ``lambda`` of LDR-KL, the starting (and largest) temperature of
        ALDR-KL.
    alpha : float, default=2.0
        ALDR-KL's bound: temperatures stay in
        ``[temperature (1 - 1/alpha), temperature]``; must exceed 1.
    margin : float, default=0.1
        Margin of the wrong classes' gaps (LDR-KL and ALDR-KL).
    normalize : {"auto", "l1", "softplus_mean"} or None, default="auto"
        Logit normalisation of LDR-KL and ALDR-KL (ignored by the other
        losses). ``"auto"`` takes the authors' choice, ``"softplus_mean"``
        for LDR-KL and ``"l1"`` for ALDR-KL, except for ALDR-KL with two
        classes, where it takes ``"softplus_mean"``: with two classes the
        L1 normalisation has a zero gradient wherever the two logits have
        opposite signs, and the network can stay stuck predicting one class
        (see the user guide).
    q : float, default=0.7
        Exponent of the generalised cross-entropy.
    %(hidden_layer_sizes)s
    %(activation)s
    %(optimizer)s
    %(momentum)s
    %(weight_decay)s
    %(lr_milestones)s
        The default divides the rate by 10 after epochs 50 and 75 of the
        default 100 (the authors' schedule).
    %(lr_decay)s
    %(device)s
    %(batch_size)s
    %(max_epochs)s
    %(learning_rate)s
    %(early_stopping)s
        The validation loss is the training loss on the held-out rows (their
        labels are as noisy as the rest); ALDR-KL's temperatures of the
        held-out rows are never updated.
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(tol)s
    %(random_state)s
    %(verbose)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    module_ : torch.nn.Module
        The trained network (on the CPU, in eval mode); outputs one logit per
        class.
    normalize_ : str or None
        The logit normalisation used (``"auto"`` resolved; None for the
        losses without one).
    sample_temperature_ : ndarray of shape (n_samples,) or None
        ALDR-KL's final temperature of each training row (NaN for rows held
        out by early stopping); None for the other losses.
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (with early
        stopping), ``lr``, ``time``.
    n_epochs_ : int
    best_epoch_ : int
    device_ : str
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.neural_network.MLPClassifier : the same network on cross-entropy.

    Notes
    -----
    Features are standardised inside. ``predict_proba`` is the softmax of the
    raw logits (as the authors evaluate): a score, not a calibrated
    probability, since the robust losses do not fit probabilities.

    References
    ----------
    D. Zhu, Y. Ying and T. Yang, "Label Distributionally Robust Losses for
    Multi-class Classification: Consistency, Robustness and Adaptivity",
    ICML 2023, arXiv:2112.14869.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklweights.classification import LDRClassifier
    >>> from sklweights.datasets import make_label_noise
    >>> X, y = load_digits(return_X_y=True)
    >>> y_noisy, flipped = make_label_noise(y, noise_rate=0.3, random_state=0)
    >>> clf = LDRClassifier(max_epochs=5, random_state=0).fit(X, y_noisy)
    >>> clf.predict_proba(X[:2]).shape
    (2, 10)
    """

    _requires_torch = True

    @classmethod
    def _torch_hint_example_data(cls, rng):
        """Small valid ``fit`` arguments (used to test the missing-torch hint)."""
        X = rng.normal(size=(60, 3))
        return (X, np.digitize(X[:, 0], [-0.5, 0.5])), {}

    _parameter_constraints = {
        **TORCH_PARAMETER_CONSTRAINTS,
        **TORCH_OPTIMIZER_CONSTRAINTS,
        "loss": [StrOptions(set(ROBUST_LOSSES))],
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "alpha": [Interval(numbers.Real, 1, None, closed="neither")],
        "margin": [Interval(numbers.Real, 0, None, closed="left")],
        "normalize": [StrOptions({"auto", *(n for n in NORMALIZATIONS if n)}), None],
        "q": [Interval(numbers.Real, 0, 1, closed="right")],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
    }

    def __init__(
        self,
        loss="aldr_kl",
        *,
        temperature=10.0,
        alpha=2.0,
        margin=0.1,
        normalize="auto",
        q=0.7,
        hidden_layer_sizes=(64, 64),
        activation="relu",
        optimizer="adam",
        momentum=0.0,
        weight_decay=0.0,
        lr_milestones=(50, 75),
        lr_decay=0.1,
        device="auto",
        batch_size=64,
        max_epochs=100,
        learning_rate=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.loss = loss
        self.temperature = temperature
        self.alpha = alpha
        self.margin = margin
        self.normalize = normalize
        self.q = q
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.lr_milestones = lr_milestones
        self.lr_decay = lr_decay
        self.device = device
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags

    def _normalization(self, n_classes):
        """The logit normalisation of the loss (``"auto"`` resolved), or None."""
        if self.loss not in ("ldr_kl", "aldr_kl"):
            return None
        if self.normalize == "auto":
            return default_normalization(self.loss, n_classes)
        return self.normalize

    def _row_loss(self, n_samples, n_classes):
        """``(loss_fn, aldr)``: the per-batch loss and ALDR-KL's state (or None)."""
        torch = import_torch("LDRClassifier")
        kind = self.loss
        normalize = self._normalization(n_classes)
        if kind == "aldr_kl":
            from sklweights.losses import ALDRKLLoss

            aldr = ALDRKLLoss(
                n_samples,
                temperature=self.temperature,
                alpha=self.alpha,
                margin=self.margin,
                normalize=normalize,
            )
        else:
            aldr = None
        functions = {
            "ldr_kl": lambda z, y, w: ldr_kl_loss(
                z,
                y,
                temperature=self.temperature,
                margin=self.margin,
                normalize=normalize,
                sample_weight=w,
            ),
            "ce": lambda z, y, w: cross_entropy_loss(z, y, sample_weight=w),
            "gce": lambda z, y, w: generalized_cross_entropy(
                z, y, q=self.q, sample_weight=w
            ),
            "sce": lambda z, y, w: symmetric_cross_entropy(z, y, sample_weight=w),
            "mae": lambda z, y, w: mean_absolute_error_loss(z, y, sample_weight=w),
        }

        def loss_fn(module, xb, yb, ib, wb=None):
            z = module(xb)
            if aldr is not None:
                # the validation pass runs under no_grad: never update its rows
                update = torch.is_grad_enabled()
                return aldr(z, yb, ib, update=update, sample_weight=wb)
            return functions[kind](z, yb.long(), wb)

        return loss_fn, aldr

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on (possibly noisy) labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the loss (a weighted mean per batch).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        hidden = check_hidden_layer_sizes(self.hidden_layer_sizes)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"LDRClassifier needs at least two classes in y; got 1 class "
                f"({self.classes_.tolist()!r})."
            )
        weighted = sample_weight is not None
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        import_torch("LDRClassifier")

        n, k = X.shape[0], len(self.classes_)
        self._scaler = WeightedStandardizer(X, sw)
        Xs = self._scaler.transform(X)
        rows = np.arange(n)
        arrays = (Xs, y_enc, rows) + ((sw.astype(np.float32),) if weighted else ())

        self.normalize_ = self._normalization(k)
        loss_fn, aldr = self._row_loss(n, k)
        device = self._fit_device()
        with torch_seed(self._torch_seed_, device) as gen:
            module = build_network(X.shape[1], hidden, k, self.activation)
            # the split made here, so that the held-out rows are known
            train_rows, valid_rows = self._train_val_indices(n, gen, stratify=y_enc)
            val_arrays = None
            if valid_rows is not None:
                val_arrays = tuple(a[valid_rows] for a in arrays)
                arrays = tuple(a[train_rows] for a in arrays)
            if aldr is not None:
                aldr.to(device)
            self.module_ = self._train(
                module,
                loss_fn,
                arrays,
                generator=gen,
                device=device,
                val_arrays=val_arrays,
            )
        if aldr is None:
            self.sample_temperature_ = None
        else:
            temps = aldr.temperatures.cpu().numpy().astype(np.float64)
            if valid_rows is not None:
                temps[valid_rows] = np.nan  # never trained on
            self.sample_temperature_ = temps
        return self

    def predict_proba(self, X):
        """Softmax of the network's logits (scores, not calibrated probabilities).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities, columns in the order of ``classes_``.
        """
        return self._network_probabilities(X)

    def predict(self, X):
        """The class of the largest logit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        best = self._network_outputs(X).argmax(axis=1)
        return self.classes_[best]

    def label_issue_scores(self, X, y):
        """How likely each given label is wrong: ``-log p(y | x)`` of the model.

        Rank rows by this score (descending) to review their labels first. A
        model trained with a robust loss fits the wrong labels less, so their
        scores stand out. (ALDR-KL's ``sample_temperature_`` also moves on
        rows the model finds ambiguous, but it does not look at the label and
        flags wrong labels far less well: see the user guide.)

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.
        y : array-like of shape (n_samples,)
            The labels to check (e.g. the training labels).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the log of the predicted probability of each row's label ``y``
            (higher: more likely mislabelled).
        """
        proba = self.predict_proba(X)
        y = np.asarray(y)
        if y.shape != (proba.shape[0],):
            raise ValueError(
                f"y must hold one label per row of X; got shape {y.shape} for "
                f"{proba.shape[0]} rows."
            )
        index = np.searchsorted(self.classes_, y)
        index = np.clip(index, 0, len(self.classes_) - 1)
        unknown = self.classes_[index] != y
        if unknown.any():
            raise ValueError(
                f"y holds labels not seen in fit: {np.unique(y[unknown])[:5].tolist()}."
            )
        return -np.log(np.clip(proba[np.arange(len(y)), index], 1e-300, None))
