"""
===========================================================
Self-distillation in kernel ridge regression: loss per step
===========================================================

Kernel ridge regression is refitted on a mix of the labels and its own
previous fit, ``weight * y + (1 - weight) * previous`` (Borup & Andersen,
NeurIPS 2021). With ``weight = 0`` (pure self-distillation) each step
regularises more and the fit collapses towards zero; a ground-truth weight
stops the collapse, and infinitely many steps equal kernel ridge with the
penalty ``alpha / weight``. All steps, for every weight, come from one
eigendecomposition (:func:`~sklweights.kernel.self_distillation_path`).
"""

# %%
# The authors' toy data: loss against the step, for several weights
# -------------------------------------------------------------------
# The 11 noisy points of Mobahi et al. (2020) used in the authors' notebook,
# RBF kernel ``gamma=80``, penalty 0.2; the loss is the MSE against the
# noiseless ``sin(2 pi x)`` on a fine grid. Step 0 is the teacher.
import matplotlib.pyplot as plt
import numpy as np

from sklweights.kernel import SelfDistilledKernelRidge, self_distillation_path
from sklweights.plotting import DistillationPathDisplay

X = np.arange(0, 1.1, 0.1).reshape(-1, 1)
y = np.array(
    [0.3848, 1.2334, 1.3323, 0.6920, -0.2976, -0.2419, -0.7964, -0.9616, -0.4967]
    + [-0.3469, 0.5590]
)  # the notebook's values, rounded here to 4 decimals
grid = np.linspace(0, 1, 101).reshape(-1, 1)
truth = np.sin(2 * np.pi * grid[:, 0])
weights = [0.0, 0.25, 0.35, 0.6, 1.0]
path = self_distillation_path(
    X, y, grid, truth, weights=weights, n_steps=12, alpha=0.2, gamma=80.0
)

# :class:`~sklweights.plotting.DistillationPathDisplay` draws the path:
disp = DistillationPathDisplay.from_path(path)
disp.ax_.set_ylabel("MSE against sin(2 pi x)")
disp.ax_.set_ylim(0.14, 0.2)
disp.ax_.set_title("dotted: the limit, KernelRidge(alpha=0.2 / weight)")
disp.figure_.tight_layout()

# %%
# The best weight has a closed form, and it leaves [0, 1]
# --------------------------------------------------------
# Each step's fit is affine in the weight, so the weight that minimises the
# squared error on a reference set is a projection. Here the reference set is
# the noiseless truth itself (an oracle, as in the notebook's plots); the
# optimum of the first step is negative: the teacher is under-regularised and
# the best student moves away from the labels.
model = SelfDistilledKernelRidge(
    alpha=0.2, gamma=80.0, weight="optimal", constrain_weight=False
).fit(X, y, X_val=grid, y_val=truth)
sweep = np.linspace(-1.5, 1.5, 301)
one_step = self_distillation_path(
    X, y, grid, truth, weights=sweep, n_steps=1, alpha=0.2, gamma=80.0
)
fig, ax = plt.subplots(figsize=(6.5, 3.5))
ax.plot(sweep, one_step.val_mse[:, 1], label="one step, by weight")
ax.axhline(one_step.val_mse[0, 0], color="k", ls="--", lw=1, label="teacher")
ax.axvspan(0, 1, color="0.9", label="Borup & Andersen's range [0, 1]")
ax.axvline(model.weights_[0], color="C3", label=f"closed form {model.weights_[0]:.3f}")
ax.set_xlabel("ground-truth weight")
ax.set_ylabel("MSE against sin(2 pi x)")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Against a tuned KernelRidge, without held-out data
# --------------------------------------------------
# On real data the truth is unknown. ``weight="gcv"`` estimates the weight
# from the training rows alone (the one-shot estimate of Dang, Patil &
# Rinaldo). It repairs a badly set penalty in one step; against a
# ``GridSearchCV``-tuned KernelRidge the gain is small, or a loss.
from sklearn.datasets import load_diabetes
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

Xd, yd = load_diabetes(return_X_y=True)
Xtr, Xte, ytr, yte = train_test_split(Xd, yd, test_size=0.4, random_state=0)
scaler = StandardScaler().fit(Xtr)
Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
ytr, yte = (ytr - ytr.mean()) / ytr.std(), (yte - ytr.mean()) / ytr.std()
tuned = GridSearchCV(
    KernelRidge(kernel="rbf", gamma=0.1), {"alpha": np.logspace(-3, 3, 13)}, cv=5
).fit(Xtr, ytr)
print(f"GridSearchCV(KernelRidge) alpha={tuned.best_params_['alpha']:g}: ", end="")
print(f"test MSE {np.mean((tuned.predict(Xte) - yte) ** 2):.3f}")
for lam in (0.01, 1.0, 100.0):
    krr = KernelRidge(alpha=lam, kernel="rbf", gamma=0.1).fit(Xtr, ytr)
    sd = SelfDistilledKernelRidge(
        alpha=lam, gamma=0.1, weight="gcv", constrain_weight=False
    ).fit(Xtr, ytr)
    print(
        f"alpha={lam:g}: KernelRidge {np.mean((krr.predict(Xte) - yte) ** 2):.3f}, "
        f"one step with GCV weight {sd.weights_[0]:+.2f}: "
        f"{np.mean((sd.predict(Xte) - yte) ** 2):.3f}"
    )
