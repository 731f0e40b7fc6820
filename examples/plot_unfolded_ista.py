"""
============================================================
Deep-unfolded ISTA: ten trained layers against plain solvers
============================================================

:class:`~sklweights.sparse.UnfoldedISTA` runs a fixed number of ISTA
iterations as layers and trains one step size per layer, either on the
objective itself (``loss="unsupervised"``: only measurements needed) or on
the error to known codes (``loss="supervised"``), after Nagahisa, Hayakawa &
Iiguni (2025). Here, on 75 x 150 compressed sensing, ten trained layers are
compared with plain ISTA, plain FISTA and the unfolded FISTA
(:class:`~sklweights.sparse.UnfoldedFISTA`), layer by layer.
"""

# %%
# Problems that share one dictionary
# ----------------------------------
# :func:`~sklweights.datasets.make_sparse_recovery` draws a dictionary (150
# atoms of 75 features), Bernoulli(0.1)-Gaussian codes and noisy
# measurements; the test problems here are drawn with the same sparsity.
# The models train for 60 epochs (the default is 100) to keep this example
# under a minute.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import SparseCoder

from sklweights.datasets import make_sparse_recovery
from sklweights.plotting import ObjectiveByLayerDisplay, TrainingHistoryDisplay
from sklweights.sparse import UnfoldedFISTA, UnfoldedISTA, sparse_coding_objective

data = make_sparse_recovery(3000, n_test_samples=1000, random_state=0)
D, reg = data.dictionary, 0.05
Y_train, X_train = data.Y[:2000], data.codes[:2000]
Y_test, X_test = data.Y_test, data.codes_test

common = dict(n_layers=10, reg=reg, max_epochs=60, device="cpu", random_state=0)
models = {
    "ISTA (1/L)": UnfoldedISTA(D, learn_steps=False, **common),
    "FISTA": UnfoldedFISTA(D, learn_steps=False, learn_momenta=False, **common),
    "unfolded ISTA, unsupervised": UnfoldedISTA(D, **common),
    "unfolded ISTA, supervised": UnfoldedISTA(D, loss="supervised", **common),
    "unfolded FISTA, unsupervised": UnfoldedFISTA(D, **common),
}
for model in models.values():
    model.fit(Y_train, X_train)  # X_train is used by the supervised loss only

# %%
# The objective after each layer
# ------------------------------
# ``staged_transform`` yields the codes after every layer. The converged
# Lasso (``SparseCoder(transform_algorithm="lasso_cd", transform_alpha=reg)``,
# i.e. ``Lasso(alpha=reg / 75, fit_intercept=False)``) is the floor.
lasso = SparseCoder(D, transform_algorithm="lasso_cd", transform_alpha=reg)
floor = sparse_coding_objective(Y_test, lasso.transform(Y_test), D, reg=reg).mean()
long_ista = UnfoldedISTA(D, n_layers=40, learn_steps=False, device="cpu")
long_ista.fit(Y_train)

# :class:`~sklweights.plotting.ObjectiveByLayerDisplay`, once per model:
disp = ObjectiveByLayerDisplay.from_estimator(
    long_ista, Y_test, name="ISTA, 40 iterations", color="0.6"
)
ista_curve = disp.objective
fig, ax = disp.figure_, disp.ax_
for (name, model), marker in zip(models.items(), "os^vD"):
    ObjectiveByLayerDisplay.from_estimator(
        model, Y_test, name=name, ax=ax, marker=marker
    )
ax.axhline(floor, color="k", ls=":", label="Lasso (converged)")
ax.set_ylim(0.5, 1.6)  # the first layers lie above
ax.set_xlabel("layer / iteration")
ax.set_ylabel("mean test objective")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# The trained layers only have to be good at layer 10, not on the way. After
# ten layers the unsupervised ones reach what plain ISTA reaches after about
# two dozen iterations (printed below), but plain FISTA, which needs no
# training, is close behind, and the unfolded FISTA is best of all. The
# supervised layers recover the codes a little better (lower MSE) and leave
# the objective *worse* than plain ISTA's at the last layer: they do not
# solve the Lasso. Every ten-layer model is far from the converged Lasso.
final = {name: -model.score(Y_test) for name, model in models.items()}
match = int(np.argmax(np.array(ista_curve) <= final["unfolded ISTA, unsupervised"]))
for name, value in final.items():
    mse = np.mean((models[name].transform(Y_test) - X_test) ** 2)
    print(f"{name:>29}: objective {value:.3f}, MSE per entry {mse:.4f}")
print(f"plain ISTA needs {match + 1} iterations for the unsupervised layers' objective")
print(f"converged Lasso: objective {floor:.3f}")

# %%
# The learned steps
# -----------------
# In units of ``1/L`` (plain ISTA: 1). Many exceed 2, where a single ISTA
# step would no longer be guaranteed to decrease the objective: the layers
# work together at this depth only (``max_step=2.0`` forbids it).
fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.27
for k, name in enumerate(
    [
        "unfolded ISTA, unsupervised",
        "unfolded ISTA, supervised",
        "unfolded FISTA, unsupervised",
    ]
):
    model = models[name]
    ax.bar(
        np.arange(1, 11) + (k - 1) * width,
        model.steps_ * model.lipschitz_,
        width,
        label=name,
    )
ax.axhline(1.0, color="k", lw=0.8)
ax.axhline(2.0, color="k", lw=0.8, ls="--")
ax.set_xlabel("layer")
ax.set_ylabel("step x L")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Training curves
# ---------------
# ``history_`` holds the mean training loss of every epoch (the objective at
# the last layer for the unsupervised loss).
fig, ax = plt.subplots(figsize=(6, 3.5))
for name in ["unfolded ISTA, unsupervised", "unfolded FISTA, unsupervised"]:
    TrainingHistoryDisplay.from_estimator(models[name], name=name, ax=ax)
fig.tight_layout()
