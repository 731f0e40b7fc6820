"""Deep-unfolded sparse solvers: ISTA, FISTA and IHT with learned per-layer steps."""

import numbers

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_array

from sklweights.utils._optional import import_torch
from sklweights.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
    validate_data,
)
from sklweights.utils._torch import (
    TORCH_PARAMETER_CONSTRAINTS,
    TorchTrainingMixin,
    fill_torch_docstring,
    torch_seed,
)

__all__ = ["UnfoldedFISTA", "UnfoldedIHT", "UnfoldedISTA", "sparse_coding_objective"]

#: The training losses: the objective at the last layer, or the squared
#: recovery error against known codes.
UNFOLDED_LOSSES = ("unsupervised", "supervised")

PENALTIES = ("l1", "l0")


def _check_dictionary(dictionary):
    """``dictionary`` as a finite float64 (n_atoms, n_features) array, or an error."""
    D = np.asarray(dictionary)
    if D.ndim != 2 or min(D.shape) < 1:
        raise ValueError(
            "dictionary must be a 2-D array of shape (n_atoms, n_features) with "
            f"at least one atom and one feature; got shape {D.shape}."
        )
    D = check_array(D, dtype=np.float64, input_name="dictionary")
    if not np.any(D):
        raise ValueError(
            "dictionary must have a nonzero entry (its Lipschitz constant "
            "||dictionary||_2^2 is 0); got an all-zero array."
        )
    return D


def sparse_coding_objective(Y, codes, dictionary, *, reg, penalty="l1"):
    """Per-measurement objective ``1/2 ||y - x D||^2 + reg * penalty(x)``.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_features)
        Measurements (one per row).
    codes : array-like of shape (n_samples, n_atoms)
        Their codes ``x``.
    dictionary : array-like of shape (n_atoms, n_features)
        One atom per row (``D``; the sensing matrix is ``D.T``).
    reg : float
        Weight of the penalty (``lambda``).
    penalty : {"l1", "l0"}, default="l1"
        ``||x||_1`` (the Lasso's, ``Lasso(alpha=reg / n_features)`` minimises
        this objective divided by ``n_features``) or ``||x||_0`` (the number
        of nonzero entries).

    Returns
    -------
    objective : ndarray of shape (n_samples,)
        The objective of each row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklweights.sparse import sparse_coding_objective
    >>> D = np.eye(2)
    >>> sparse_coding_objective([[1.0, 0.0]], [[0.5, 0.0]], D, reg=0.1)
    array([0.175])
    """
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be 'l1' or 'l0'; got {penalty!r}.")
    if not (isinstance(reg, numbers.Real) and reg >= 0):
        raise ValueError(f"reg must be a non-negative number; got {reg!r}.")
    D = _check_dictionary(dictionary)
    Y = check_array(Y, dtype=np.float64, input_name="Y")
    codes = check_array(codes, dtype=np.float64, input_name="codes")
    if Y.shape[1] != D.shape[1] or codes.shape != (len(Y), D.shape[0]):
        raise ValueError(
            f"Y must have shape (n_samples, {D.shape[1]}) and codes shape "
            f"(n_samples, {D.shape[0]}) for a dictionary of shape {D.shape}; "
            f"got Y {Y.shape} and codes {codes.shape}."
        )
    fit = 0.5 * np.sum((Y - codes @ D) ** 2, axis=1)
    if penalty == "l1":
        return fit + reg * np.abs(codes).sum(axis=1)
    return fit + reg * np.count_nonzero(codes, axis=1)


class _UnfoldedSparseCoder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, TorchTrainingMixin, BaseEstimator
):
    """What the unfolded ISTA, FISTA and IHT coders share."""

    _requires_torch = True
    _penalty = "l1"
    _accelerated = False

    _parameter_constraints = {
        **TORCH_PARAMETER_CONSTRAINTS,
        "dictionary": ["array-like"],
        "n_layers": [Interval(numbers.Integral, 1, None, closed="left")],
        "reg": [Interval(numbers.Real, 0, None, closed="neither")],
        "loss": [StrOptions(set(UNFOLDED_LOSSES))],
        "init_step": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_step": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "learn_steps": ["boolean"],
        "incremental": ["boolean"],
    }

    @classmethod
    def _torch_hint_example_data(cls, rng):
        """Small valid ``fit`` arguments (used to test the missing-torch hint)."""
        D = rng.normal(size=(5, 3))
        codes = rng.normal(size=(40, D.shape[0])) * (rng.uniform(size=(40, 1)) < 0.5)
        return (codes @ D + 0.01 * rng.normal(size=(40, D.shape[1])),), {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @property
    def _n_features_out(self):
        return self.n_components_

    def _learns(self):
        """Whether any parameter trains (else the network is the plain solver)."""
        return self.learn_steps

    def _module_options(self):
        return {"learn_momenta": False}

    def _loss_fn(self, depth):
        """``loss_fn(module, *batch)`` of the network cut to ``depth`` layers."""
        if self.loss == "supervised":

            def loss_fn(module, yb, xb):
                return ((module(yb, depth) - xb) ** 2).sum(dim=1).mean()

        else:

            def loss_fn(module, yb):
                return module.objective(yb, module(yb, depth)).mean()

        return loss_fn

    def _train_step(self, run, batch):
        # projected gradient: each optimizer step, then the steps (and
        # momenta) back into their allowed ranges
        loss = super()._train_step(run, batch)
        run.module.project_()
        return loss

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, Y, X_true=None):
        """Learn the layers' steps on measurements ``Y``.

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_features)
            Training measurements, one per row (``n_features`` the
            dictionary's).
        X_true : array-like of shape (n_samples, n_atoms), default=None
            The codes that generated ``Y``: the targets of
            ``loss="supervised"`` (required then), ignored by
            ``loss="unsupervised"`` (so that a label vector passed by a
            pipeline does no harm).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        name = type(self).__name__
        D = _check_dictionary(self.dictionary)
        if self.max_step is not None and self.init_step > self.max_step:
            raise ValueError(
                f"init_step={self.init_step} must not exceed "
                f"max_step={self.max_step} (both in units of 1/L)."
            )
        if self.loss == "supervised" and X_true is None:
            raise ValueError(
                f"{name}(loss='supervised') needs the true codes: call "
                "fit(Y, X_true) with X_true of shape (n_samples, n_atoms), or "
                "use loss='unsupervised'."
            )
        Y = validate_data(self, Y, dtype=np.float64)
        if Y.shape[1] != D.shape[1]:
            raise ValueError(
                f"Y has {Y.shape[1]} features but the dictionary of shape "
                f"{D.shape} (n_atoms, n_features) expects {D.shape[1]}."
            )
        arrays = (Y.astype(np.float32),)
        if self.loss == "supervised":
            X_true = check_array(X_true, dtype=np.float64, input_name="X_true")
            if X_true.shape != (len(Y), D.shape[0]):
                raise ValueError(
                    f"X_true must have shape (n_samples, n_atoms) = "
                    f"{(len(Y), D.shape[0])}; got {X_true.shape}."
                )
            arrays += (X_true.astype(np.float32),)
        import_torch(name)
        from ._unfolded_net import UnfoldedNetwork

        self.n_components_ = D.shape[0]
        self.lipschitz_ = float(np.linalg.norm(D, 2) ** 2)
        device = self._fit_device()
        with torch_seed(self._torch_seed_, device) as gen:
            module = UnfoldedNetwork(
                D,
                lipschitz=self.lipschitz_,
                n_layers=self.n_layers,
                reg=self.reg,
                penalty=self._penalty,
                init_step=self.init_step,
                max_step=self.max_step,
                accelerated=self._accelerated,
                learn_steps=self.learn_steps,
                **self._module_options(),
            )
            if self._learns():
                module = self._train_layers(module, arrays, gen, device)
            else:
                self.history_, self.n_epochs_, self.best_epoch_ = [], 0, 0
        self.module_ = module.eval()
        self._set_layer_attributes()
        return self

    def _train_layers(self, module, arrays, gen, device):
        """End to end (one run of the loop), or one run per depth (incremental)."""
        train_rows, valid_rows = self._train_val_indices(len(arrays[0]), gen)
        val_arrays = None
        if valid_rows is not None:
            val_arrays = tuple(a[valid_rows] for a in arrays)
            arrays = tuple(a[train_rows] for a in arrays)
        depths = range(1, self.n_layers + 1) if self.incremental else [self.n_layers]
        history, offset, best = [], 0, 0
        for depth in depths:
            module = self._train(
                module,
                self._loss_fn(depth),
                arrays,
                generator=gen,
                device=device,
                val_arrays=val_arrays,
            )
            for record in self.history_:
                history.append(
                    {"stage": depth, **record} if self.incremental else record
                )
            best = offset + self.best_epoch_
            offset += self.n_epochs_
        self.history_, self.n_epochs_, self.best_epoch_ = history, offset, best
        return module

    def _set_layer_attributes(self):
        module = self.module_
        self.steps_ = module.step_sizes().detach().numpy().astype(np.float64)

    # ------------------------------------------------------------ transform
    def _codes(self, Y, all_layers=False):
        check_is_fitted(self)
        Y = validate_data(self, Y, dtype=[np.float64, np.float32], reset=False)
        torch = import_torch(type(self).__name__)
        dtype = torch.float64 if Y.dtype == np.float64 else torch.float32

        def fn(yb):
            return self.module_(yb, all_layers=all_layers)

        return Y, self._predict_batches(self.module_, fn, (Y,), dtype=dtype)

    def transform(self, Y):
        """Codes of ``Y`` after the ``n_layers`` layers.

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_features)
            Measurements (one per row).

        Returns
        -------
        codes : ndarray of shape (n_samples, n_atoms)
            In ``Y``'s dtype (float32 or float64; computed in it).
        """
        return self._codes(Y)[1]

    def staged_transform(self, Y):
        """Codes of ``Y`` after each layer, from the first to the last.

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_features)
            Measurements (one per row).

        Yields
        ------
        codes : ndarray of shape (n_samples, n_atoms)
            The codes after each layer, first to last.
        """
        codes = self._codes(Y, all_layers=True)[1]
        for t in range(codes.shape[1]):
            yield codes[:, t]

    def inverse_transform(self, codes):
        """Measurements ``codes @ dictionary`` of codes.

        Parameters
        ----------
        codes : array-like of shape (n_samples, n_atoms)
            Codes of the rows.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_features)
            The reconstructed measurements ``codes @ dictionary``.
        """
        check_is_fitted(self)
        codes = check_array(codes, dtype=[np.float64, np.float32], input_name="codes")
        D = _check_dictionary(self.dictionary)
        if codes.shape[1] != D.shape[0]:
            raise ValueError(
                f"codes must have {D.shape[0]} columns (one per atom); got "
                f"{codes.shape[1]}."
            )
        return codes @ D.astype(codes.dtype)

    def objective(self, Y, codes=None):
        """The objective of each measurement at ``codes`` (``transform(Y)`` if None).

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_features)
            Measurements (one per row).
        codes : array-like of shape (n_samples, n_atoms), default=None
            Codes of the rows; those of :meth:`transform` when None.

        Returns
        -------
        objective : ndarray of shape (n_samples,)
            ``1/2 ||y - x D||^2 + reg * ||x||_1`` (``||x||_0`` for IHT).
        """
        if codes is None:
            Y, codes = self._codes(Y)
        else:
            check_is_fitted(self)
            Y = validate_data(self, Y, dtype=np.float64, reset=False)
        return sparse_coding_objective(
            Y, codes, self.dictionary, reg=self.reg, penalty=self._penalty
        )

    def score(self, Y, y=None):
        """Minus the mean objective of ``transform(Y)`` (higher is better).

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_features)
            Measurements (one per row).
        y : ignored
            Present for the pipeline convention (``score(X, y)``): the
            objective needs no codes.

        Returns
        -------
        score : float
            Minus the mean objective (greater is better).
        """
        return -float(np.mean(self.objective(Y)))


@fill_torch_docstring
class UnfoldedISTA(_UnfoldedSparseCoder):
    """Sparse coding by ISTA unfolded into layers with learned steps (l1).

    Layer ``t``: ``x_t = S_{alpha_t reg}(x_{t-1} + alpha_t (y - x_{t-1} D)
    D^T)``, ``S`` the soft threshold, ``x_0 = 0``; plain ISTA has ``alpha_t =
    1/L`` with ``L = ||D||_2^2`` (``lipschitz_``). The objective is the
    Lasso's: ``sklearn.linear_model.Lasso(alpha=reg / n_features,
    fit_intercept=False)`` on ``(D.T, y)``, and
    ``SparseCoder(transform_algorithm="lasso_cd", transform_alpha=reg)``,
    minimise it (divided by ``n_features``). Training minimises the mean
    objective at the last layer (``loss="unsupervised"``) or the squared
    error to known codes (``loss="supervised"``), after Nagahisa, Hayakawa &
    Iiguni (2025). ``transform`` runs the layers: a solver with the fixed
    cost of ``n_layers`` iterations, tuned to one dictionary and one family
    of problems. Plain FISTA (:class:`UnfoldedFISTA` with
    ``learn_steps=False, learn_momenta=False``) is the bar to beat: at 20
    layers it matches or beats trained ISTA layers (see the User Guide).
    Read more in the :ref:`User Guide <unfolded>`.

    Parameters
    ----------
    dictionary : array-like of shape (n_atoms, n_features)
        The atoms, one per row (``SparseCoder``'s layout): measurements are
        ``y = x @ dictionary + noise``.
    n_layers : int, default=10
        Number of layers (iterations) ``T``.
    reg : float, default=0.05
        Weight ``lambda > 0`` of ``||x||_1`` (``Lasso``'s ``alpha`` is ``reg /
        n_features``). The default suits
        :func:`~sklweights.datasets.make_sparse_recovery`'s scale.
    loss : {"unsupervised", "supervised"}, default="unsupervised"
        ``"unsupervised"``: the mean objective ``F(x_T)``, which needs only
        measurements; ``"supervised"``: the mean ``||x_T - x*||^2`` against
        ``X_true`` given to ``fit``. Supervised layers recover the training
        codes better but no longer minimise ``F``, and degrade when the test
        codes are less sparse than the training ones.
    init_step : float, default=1.0
        Initial step of every layer, in units of ``1/L`` (1.0: plain ISTA).
    max_step : float or None, default=None
        Largest step a layer may learn, in units of ``1/L`` (the steps are
        projected after each optimizer step; the smallest is ``1e-6 / L``).
        Learned steps often exceed 2, where one layer alone would not be a
        convergent ISTA step: ``max_step=2.0`` forbids that.
    learn_steps : bool, default=True
        False keeps every step at ``init_step / L``: no training, the
        estimator is plain ISTA with ``n_layers`` iterations.
    incremental : bool, default=False
        Train layer by layer: one run of ``max_epochs`` on the first layer,
        then on the first two, ..., then on all (each run starts from the
        steps of the previous one). Else one end-to-end run.
    %(device)s
    %(batch_size)s
    %(max_epochs)s
    %(learning_rate)s
        The steps are trained in units of ``1/L``, so the rate does not depend
        on the dictionary's scale.
    %(early_stopping)s
        The validation loss is the training loss on the held-out measurements.
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(tol)s
    %(random_state)s
    %(verbose)s

    Attributes
    ----------
    steps_ : ndarray of shape (n_layers,)
        The layers' steps ``alpha_t`` (``steps_ * lipschitz_`` in units of
        ``1/L``).
    lipschitz_ : float
        ``L = ||dictionary||_2^2``, the Lipschitz constant of the gradient.
    n_components_ : int
        Number of atoms.
    module_ : torch.nn.Module
        The layers (on the CPU, in eval mode).
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (with early
        stopping), ``time``; with ``incremental=True`` also ``stage`` (the
        depth trained), the runs one after the other. Empty when nothing
        trains.
    n_epochs_ : int
        Epochs run (summed over the stages).
    best_epoch_ : int
        Position in ``history_`` (1-based) of the epoch whose steps were kept
        (the last stage's best).
    device_ : str
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    UnfoldedFISTA : the FISTA unfolding (learned steps and momenta).
    UnfoldedIHT : the l0 counterpart (iterative hard thresholding).
    sklearn.decomposition.SparseCoder : the same objective solved to
        convergence (``transform_algorithm="lasso_cd"``).
    sklearn.linear_model.Lasso : one problem at a time, to convergence.

    Notes
    -----
    Training runs in float32; ``transform`` computes in the input's dtype
    (float64 input gives float64 layers). Learned steps are only
    meaningful for the depth they were trained at: running the layers'
    update further (or at another depth) may diverge.

    References
    ----------
    K. Nagahisa, R. Hayakawa and Y. Iiguni, "Comparison between Supervised
    and Unsupervised Learning in Deep Unfolded Sparse Signal Recovery",
    arXiv:2509.01331, 2025.

    K. Gregor and Y. LeCun, "Learning Fast Approximations of Sparse Coding",
    ICML 2010.

    Examples
    --------
    >>> from sklweights.datasets import make_sparse_recovery
    >>> from sklweights.sparse import UnfoldedISTA
    >>> data = make_sparse_recovery(400, random_state=0)
    >>> ista = UnfoldedISTA(data.dictionary, max_epochs=20, random_state=0)
    >>> ista.fit(data.Y).transform(data.Y[:2]).shape
    (2, 150)
    >>> ista.steps_.shape
    (10,)
    """

    def __init__(
        self,
        dictionary,
        *,
        n_layers=10,
        reg=0.05,
        loss="unsupervised",
        init_step=1.0,
        max_step=None,
        learn_steps=True,
        incremental=False,
        device="auto",
        batch_size=256,
        max_epochs=100,
        learning_rate=1e-2,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.dictionary = dictionary
        self.n_layers = n_layers
        self.reg = reg
        self.loss = loss
        self.init_step = init_step
        self.max_step = max_step
        self.learn_steps = learn_steps
        self.incremental = incremental
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


@fill_torch_docstring
class UnfoldedFISTA(_UnfoldedSparseCoder):
    """Sparse coding by FISTA unfolded into layers with learned steps and momenta.

    Layer ``t`` extrapolates, ``z_t = x_{t-1} + beta_t (x_{t-1} - x_{t-2})``,
    then takes a proximal-gradient step from ``z_t``: ``x_t = S_{alpha_t
    reg}(z_t + alpha_t (y - z_t D) D^T)``. The steps start at ``init_step /
    L`` and the momenta at FISTA's (Beck & Teboulle, 2009: ``beta_t = (t_{k-1}
    - 1) / t_k``); both train. With ``learn_steps=False, learn_momenta=False``
    the estimator is plain FISTA with ``n_layers`` iterations, the untrained
    peer that step-size-only unfolding (:class:`UnfoldedISTA`) does not beat
    at equal depth. The objective, the losses and the ``Lasso`` mapping
    (``alpha = reg / n_features``) are :class:`UnfoldedISTA`'s. Read more in
    the :ref:`User Guide <unfolded>`.

    Parameters
    ----------
    dictionary : array-like of shape (n_atoms, n_features)
        The atoms, one per row (``SparseCoder``'s layout).
    n_layers : int, default=10
        Number of layers (iterations) ``T``.
    reg : float, default=0.05
        Weight ``lambda > 0`` of ``||x||_1``.
    loss : {"unsupervised", "supervised"}, default="unsupervised"
        The mean objective at the last layer, or the mean ``||x_T - x*||^2``
        against ``X_true`` (see :class:`UnfoldedISTA`).
    init_step : float, default=1.0
        Initial step of every layer, in units of ``1/L``.
    max_step : float or None, default=None
        Largest step a layer may learn, in units of ``1/L``.
    learn_steps : bool, default=True
        Whether the steps train (else they stay at ``init_step / L``).
    learn_momenta : bool, default=True
        Whether the momenta train (else they stay at FISTA's); they are kept
        in [0, 1].
    incremental : bool, default=False
        Train layer by layer (see :class:`UnfoldedISTA`).
    %(device)s
    %(batch_size)s
    %(max_epochs)s
    %(learning_rate)s
        The steps are trained in units of ``1/L``.
    %(early_stopping)s
        The validation loss is the training loss on the held-out measurements.
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(tol)s
    %(random_state)s
    %(verbose)s

    Attributes
    ----------
    steps_ : ndarray of shape (n_layers,)
        The layers' steps ``alpha_t``.
    momenta_ : ndarray of shape (n_layers,)
        The layers' momenta ``beta_t`` (the first has no effect: ``x_0 =
        x_{-1} = 0``).
    lipschitz_ : float
        ``L = ||dictionary||_2^2``.
    n_components_ : int
    module_ : torch.nn.Module
    history_ : list of dict
        As :class:`UnfoldedISTA`'s.
    n_epochs_ : int
    best_epoch_ : int
    device_ : str
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    UnfoldedISTA : step-size-only unfolding of ISTA.
    sklearn.linear_model.Lasso : the same objective (divided by
        ``n_features``) to convergence.

    References
    ----------
    A. Beck and M. Teboulle, "A Fast Iterative Shrinkage-Thresholding
    Algorithm for Linear Inverse Problems", SIAM J. Imaging Sciences 2(1),
    2009.

    K. Nagahisa, R. Hayakawa and Y. Iiguni, "Comparison between Supervised
    and Unsupervised Learning in Deep Unfolded Sparse Signal Recovery",
    arXiv:2509.01331, 2025.

    Examples
    --------
    >>> from sklweights.datasets import make_sparse_recovery
    >>> from sklweights.sparse import UnfoldedFISTA
    >>> data = make_sparse_recovery(400, random_state=0)
    >>> fista = UnfoldedFISTA(data.dictionary, max_epochs=20, random_state=0)
    >>> fista.fit(data.Y).momenta_.shape
    (10,)
    """

    _accelerated = True
    _parameter_constraints = {
        **_UnfoldedSparseCoder._parameter_constraints,
        "learn_momenta": ["boolean"],
    }

    def __init__(
        self,
        dictionary,
        *,
        n_layers=10,
        reg=0.05,
        loss="unsupervised",
        init_step=1.0,
        max_step=None,
        learn_steps=True,
        learn_momenta=True,
        incremental=False,
        device="auto",
        batch_size=256,
        max_epochs=100,
        learning_rate=1e-2,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.dictionary = dictionary
        self.n_layers = n_layers
        self.reg = reg
        self.loss = loss
        self.init_step = init_step
        self.max_step = max_step
        self.learn_steps = learn_steps
        self.learn_momenta = learn_momenta
        self.incremental = incremental
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

    def _learns(self):
        return self.learn_steps or self.learn_momenta

    def _module_options(self):
        return {"learn_momenta": self.learn_momenta}

    def _set_layer_attributes(self):
        super()._set_layer_attributes()
        self.momenta_ = self.module_.momenta.detach().numpy().astype(np.float64)


@fill_torch_docstring
class UnfoldedIHT(_UnfoldedSparseCoder):
    """Sparse coding by iterative hard thresholding unfolded into layers (l0).

    Layer ``t``: ``x_t = H_{sqrt(2 alpha_t reg)}(x_{t-1} + alpha_t (y -
    x_{t-1} D) D^T)``, ``H_tau(u) = u 1[|u| > tau]`` the hard threshold (the
    proximal map of ``alpha_t reg ||x||_0``), ``x_0 = 0``; plain IHT has
    ``alpha_t = 1/L``. The objective is ``F(x) = 1/2 ||y - x D||^2 + reg
    ||x||_0``. The threshold has no gradient: under ``loss="unsupervised"``
    the steps learn only through the data-fit term and the entries that
    survive each threshold (``||x||_0`` counts in the loss's value, not its
    gradient). The parameters are :class:`UnfoldedISTA`'s, with the l0
    penalty. Read more in the :ref:`User Guide <unfolded>`.

    Parameters
    ----------
    dictionary : array-like of shape (n_atoms, n_features)
        The atoms, one per row (``SparseCoder``'s layout).
    n_layers : int, default=10
        Number of layers (iterations) ``T``.
    reg : float, default=0.002
        Weight ``lambda > 0`` of ``||x||_0`` (an entry survives a layer when
        its magnitude exceeds ``sqrt(2 alpha_t reg)``). The default suits
        :func:`~sklweights.datasets.make_sparse_recovery`'s scale.
    loss : {"unsupervised", "supervised"}, default="unsupervised"
        The mean objective at the last layer, or the mean ``||x_T - x*||^2``
        against ``X_true``.
    init_step : float, default=1.0
        Initial step of every layer, in units of ``1/L`` (1.0: plain IHT).
    max_step : float or None, default=None
        Largest step a layer may learn, in units of ``1/L``.
    learn_steps : bool, default=True
        False keeps every step at ``init_step / L``: plain IHT.
    incremental : bool, default=False
        Train layer by layer (see :class:`UnfoldedISTA`).
    %(device)s
    %(batch_size)s
    %(max_epochs)s
    %(learning_rate)s
        The steps are trained in units of ``1/L``.
    %(early_stopping)s
        The validation loss is the training loss on the held-out measurements.
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(tol)s
    %(random_state)s
    %(verbose)s

    Attributes
    ----------
    steps_ : ndarray of shape (n_layers,)
        The layers' steps ``alpha_t``.
    lipschitz_ : float
        ``L = ||dictionary||_2^2``.
    n_components_ : int
    module_ : torch.nn.Module
    history_ : list of dict
        As :class:`UnfoldedISTA`'s.
    n_epochs_ : int
    best_epoch_ : int
    device_ : str
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    UnfoldedISTA : the l1 counterpart.
    sklearn.linear_model.OrthogonalMatchingPursuit : a greedy l0 solver.

    References
    ----------
    T. Blumensath and M. E. Davies, "Iterative Thresholding for Sparse
    Approximations", J. Fourier Analysis and Applications 14, 2008.

    K. Nagahisa, R. Hayakawa and Y. Iiguni, "Comparison between Supervised
    and Unsupervised Learning in Deep Unfolded Sparse Signal Recovery",
    arXiv:2509.01331, 2025.

    Examples
    --------
    >>> from sklweights.datasets import make_sparse_recovery
    >>> from sklweights.sparse import UnfoldedIHT
    >>> data = make_sparse_recovery(400, random_state=0)
    >>> iht = UnfoldedIHT(data.dictionary, max_epochs=20, random_state=0)
    >>> iht.fit(data.Y).transform(data.Y[:2]).shape
    (2, 150)
    """

    _penalty = "l0"

    def __init__(
        self,
        dictionary,
        *,
        n_layers=10,
        reg=0.002,
        loss="unsupervised",
        init_step=1.0,
        max_step=None,
        learn_steps=True,
        incremental=False,
        device="auto",
        batch_size=256,
        max_epochs=100,
        learning_rate=1e-2,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        random_state=None,
        verbose=0,
    ):
        self.dictionary = dictionary
        self.n_layers = n_layers
        self.reg = reg
        self.loss = loss
        self.init_step = init_step
        self.max_step = max_step
        self.learn_steps = learn_steps
        self.incremental = incremental
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
