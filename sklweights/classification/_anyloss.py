"""AnyLossClassifier: a binary classifier trained on the metric it reports."""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight

from sklweights.losses._anyloss import (
    METRICS,
    anyloss,
    resolve_metric,
    soft_confusion_matrix,
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

__all__ = ["AnyLossClassifier"]


@fill_torch_docstring
class AnyLossClassifier(
    NetworkOutputsMixin, TorchTrainingMixin, ClassifierMixin, BaseEstimator
):
    """Binary classifier trained on ``1 - metric`` (AnyLoss; Han et al., 2024).

    The network's probability ``p`` goes through the amplifier
    ``A(p) = 1 / (1 + exp(-L (p - 0.5)))``, the confusion matrix of each batch
    is filled with soft counts, and the loss is one minus the chosen metric of
    those counts (:func:`sklweights.losses.anyloss`): the weights are trained
    for F1, F-beta, G-mean, balanced accuracy or accuracy at the threshold
    0.5, instead of being trained for log-loss and then cut at a tuned
    threshold. Read more in the :ref:`User Guide <anyloss>`.

    Parameters
    ----------
    metric : {"f1", "fbeta", "gmean", "gmean_squared", "balanced_accuracy", \
"accuracy"} or callable, default="f1"
        The metric trained for; a callable gets the soft counts ``(tn, fp,
        fn, tp)`` (0-d tensors) and returns a 0-d tensor, higher being
        better. The positive class is ``classes_[1]`` (scikit-learn's
        convention): encode the class you score F1 on as the larger label.
    beta : float, default=1.0
        ``beta`` of ``"fbeta"``.
    amplifier : float, default=73.0
        ``L`` of the amplifier (the authors' value). Large values make the
        soft counts exact at 0.5 but the loss steep: a fit that collapses to
        one class (see ``collapsed_``) is often cured by ``amplifier=10``.
    bce_mix : float in [0, 1], default=0.0
        Share of class-balanced binary cross-entropy in the loss:
        ``bce_mix * BCE_balanced + (1 - bce_mix) * (1 - metric)`` (the
        authors' extension blends the two; their ``r`` is ``1 - bce_mix``).
        The class weights are scikit-learn's ``class_weight="balanced"``
        ones, computed once on the training rows (the extension's are
        proportional to them, smaller by ``2 N0 N1 / N**2``), and the BCE
        part is their weighted sum divided by the batch's rows.
    %(hidden_layer_sizes)s
        The default ``()`` is the paper's single-layer perceptron (a linear
        model in the standardised features).
    %(activation)s
    %(optimizer)s
    %(momentum)s
    %(weight_decay)s
    %(device)s
    %(batch_size)s
        The metric is a statistic of the whole batch: its mini-batch gradient
        is biased, so full batch (the default) or large batches are the
        faithful choice.
    %(max_epochs)s
    %(learning_rate)s
    %(early_stopping)s
        The monitored loss is the training objective computed over all the
        held-out rows at once (the metric of one batch, not a mean over
        chunks).
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(tol)s
    %(random_state)s
    %(verbose)s

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The class labels; ``classes_[1]`` is the positive class.
    module_ : torch.nn.Module
        The trained network (on the CPU, in eval mode).
    collapsed_ : bool
        True when the fitted model predicts one class for every training row
        (a known failure of AnyLoss at large amplifiers); a
        ``ConvergenceWarning`` then says what to try.
    train_metric_ : float
        The metric of the hard predictions on the training rows.
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (with early
        stopping), ``time``.
    n_epochs_ : int
        Epochs run.
    best_epoch_ : int
        The epoch with the lowest monitored loss.
    device_ : str
        The device used for fitting.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit (only when X has string column
        names).

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : train for log-loss,
        then move the threshold to maximise a metric.
    sklearn.linear_model.LogisticRegression : with ``class_weight="balanced"``.
    sklweights.losses.AnyLoss : the loss as a ``torch.nn.Module``.

    Notes
    -----
    The features are standardised inside (weighted mean and standard
    deviation of the training rows). The soft counts, ``N`` and the number of
    positives included, are always those of the batch in hand; the authors'
    README mixes the whole training set's ``N`` with batch sums, which
    under-weights false positives for G-mean and balanced accuracy.

    References
    ----------
    D. Han, N. Moniz and N. V. Chawla, "AnyLoss: Transforming Classification
    Metrics into Loss Functions", KDD 2024, arXiv:2405.14745.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklweights.classification import AnyLossClassifier
    >>> X, y = make_classification(500, 5, weights=[0.9], random_state=0)
    >>> clf = AnyLossClassifier(metric="f1", max_epochs=300, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _requires_torch = True

    @classmethod
    def _torch_hint_example_data(cls, rng):
        """Small valid ``fit`` arguments (used to test the missing-torch hint)."""
        X = rng.normal(size=(40, 3))
        return (X, (X[:, 0] > 0.5).astype(int)), {}

    _parameter_constraints = {
        **TORCH_PARAMETER_CONSTRAINTS,
        **{k: TORCH_OPTIMIZER_CONSTRAINTS[k] for k in ("optimizer", "momentum")},
        "metric": [StrOptions(set(METRICS)), callable],
        "beta": [Interval(numbers.Real, 0, None, closed="neither")],
        "amplifier": [Interval(numbers.Real, 0, None, closed="neither")],
        "bce_mix": [Interval(numbers.Real, 0, 1, closed="both")],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "weight_decay": TORCH_OPTIMIZER_CONSTRAINTS["weight_decay"],
    }

    def __init__(
        self,
        metric="f1",
        *,
        beta=1.0,
        amplifier=73.0,
        bce_mix=0.0,
        hidden_layer_sizes=(),
        activation="relu",
        optimizer="adam",
        momentum=0.0,
        weight_decay=0.0,
        device="auto",
        batch_size=None,
        max_epochs=1000,
        learning_rate=0.01,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=50,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.metric = metric
        self.beta = beta
        self.amplifier = amplifier
        self.bce_mix = bce_mix
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
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
        tags.classifier_tags.multi_class = False
        tags.non_deterministic = False
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``1 - metric`` of the training rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : array-like of shape (n_samples,)
            Two classes; ``classes_[1]`` (the larger label) is the positive.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights: every soft count is a weighted sum (and the BCE part
            a weighted mean).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        hidden = check_hidden_layer_sizes(self.hidden_layer_sizes)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        check_classification_targets(y)  # "Unknown label type" for floats
        kind = type_of_target(y, input_name="y")
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if kind != "binary" or len(self.classes_) != 2:
            n = len(self.classes_)
            raise ValueError(
                "Only binary classification is supported: AnyLossClassifier needs "
                f"y with exactly two classes; got {n} class{'es' if n != 1 else ''} "
                f"({self.classes_[:5].tolist()!r}{'...' if n > 5 else ''}). For "
                "several classes use sklearn.multiclass.OneVsRestClassifier."
            )
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if not np.any(sw[y_enc == 1] > 0) or not np.any(sw[y_enc == 0] > 0):
            raise ValueError(
                "sample_weight must give a positive weight to rows of both classes."
            )
        torch = import_torch("AnyLossClassifier")

        total = sw.sum()
        self._scaler = WeightedStandardizer(X, sw)
        Xs = self._scaler.transform(X)
        yf = y_enc.astype(np.float32)
        # scikit-learn's class_weight="balanced" for the BCE share
        n_pos = sw[y_enc == 1].sum()
        class_w = np.array([total / (2 * (total - n_pos)), total / (2 * n_pos)])
        weighted = sample_weight is not None
        arrays = (Xs, yf, sw.astype(np.float32)) if weighted else (Xs, yf)

        metric, beta, amplifier = self.metric, float(self.beta), float(self.amplifier)
        mix = float(self.bce_mix)
        bce_w = torch.as_tensor(class_w, dtype=torch.float32)

        def bce_terms(logits, yb, wb):
            w = bce_w.to(logits.device)[yb.long()]
            if wb is not None:
                w = w * wb
            per_row = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, yb, reduction="none"
            )
            rows = yb.new_tensor(float(len(yb))) if wb is None else wb.sum()
            return (w * per_row).sum(), rows

        def loss_fn(module, xb, yb, wb=None):
            logits = module(xb).squeeze(-1)
            loss = 0.0
            if mix < 1:
                metric_loss = anyloss(
                    logits,
                    yb,
                    metric=metric,
                    beta=beta,
                    amplifier=amplifier,
                    sample_weight=wb,
                )
                loss = (1 - mix) * metric_loss
            if mix > 0:
                total_bce, weight = bce_terms(logits, yb, wb)
                loss = loss + mix * total_bce / weight
            return loss

        def val_sums(module, xb, yb, wb=None):
            # summable statistics of a validation chunk: soft counts, BCE sums
            logits = module(xb).squeeze(-1)
            cm = soft_confusion_matrix(
                torch.sigmoid(logits), yb, amplifier=amplifier, sample_weight=wb
            )
            return (*cm.reshape(-1).unbind(), *bce_terms(logits, yb, wb))

        def val_reduce(sums):
            tn, fp, fn, tp, total_bce, weight = (torch.tensor(s) for s in sums)
            value = 0.0
            if mix < 1:
                fn_metric = resolve_metric(metric, beta)
                value = (1 - mix) * (1 - fn_metric(tn, fp, fn, tp, beta=beta, eps=1e-7))
            if mix > 0:
                value = value + mix * total_bce / weight
            return float(value)

        device = self._fit_device()
        with torch_seed(self._torch_seed_, device) as gen:
            module = build_network(
                X.shape[1], hidden, 1, self.activation, zero_head=True
            )
            self.module_ = self._train(
                module,
                loss_fn,
                arrays,
                generator=gen,
                device=device,
                val_loss_fn=val_sums,
                val_reduce=val_reduce,
                stratify=y_enc,
            )
        self._check_collapse(Xs, y_enc, sw)
        return self

    def _check_collapse(self, Xs, y_enc, sw):
        """Flag (and warn about) a fit that predicts one class for every row."""
        torch = import_torch("AnyLossClassifier")
        with torch.no_grad():
            logits = self.module_(torch.from_numpy(Xs)).squeeze(-1).double()
        pred = (logits > 0).double()
        cm = soft_confusion_matrix(pred, y_enc, amplifier=1e6, sample_weight=sw)
        tn, fp, fn, tp = cm.reshape(-1).unbind()
        fn_metric = resolve_metric(self.metric, self.beta)
        self.train_metric_ = float(
            fn_metric(tn, fp, fn, tp, beta=float(self.beta), eps=1e-12)
        )
        self.collapsed_ = bool(pred.min() == pred.max())
        if self.collapsed_:
            which = self.classes_[int(pred[0])].tolist()
            warnings.warn(
                f"AnyLossClassifier predicts the single class {which!r} for every "
                f"training row (amplifier={self.amplifier}): the metric loss "
                "collapsed. Try a smaller amplifier (e.g. 10), a smaller "
                "learning_rate, or bce_mix=0.1-0.5.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _logits(self, X):
        return self._network_outputs(X)[:, 0]

    def decision_function(self, X):
        """The network's logit for the positive class ``classes_[1]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Positive values predict ``classes_[1]``.
        """
        return self._logits(X)

    def predict_proba(self, X):
        """``[1 - p, p]`` with ``p`` the sigmoid of the logit.

        Trained for a metric, not for log-loss: these are scores in [0, 1]
        whose 0.5 cut-off is the one trained for, not calibrated
        probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Class probabilities, columns in the order of ``classes_``.
        """
        p = 1.0 / (1.0 + np.exp(-self._logits(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        """``classes_[1]`` where the probability exceeds 0.5 (the trained cut-off).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        positive = self._logits(X) > 0
        return self.classes_[positive.astype(int)]
