"""
=====================================================
The bundled VADER multi-domain sentiment sentences
=====================================================

sklweights bundles the VADER ground-truth sentences (Hutto & Gilbert, 2014):
23,703 English sentences from four domains, each rated by about 20 people.
The domain-weighted sentiment estimators are evaluated on them. This example
shows what the loader returns and why the data is a multi-domain problem:
label balance and the valence distribution differ by domain.
"""

# %%
# Load the data as a DataFrame
# ----------------------------
import matplotlib.pyplot as plt
import numpy as np

from sklweights.datasets import load_vader_multidomain

data = load_vader_multidomain(as_frame=True)
frame = data.frame
print(frame.head())

# %%
# Label balance per domain
# ------------------------
# The documented rule labels a sentence positive when its mean valence is at
# least 0.5, negative when at most -0.5, neutral otherwise.
counts = frame.groupby(["domain", "label"], observed=True).size().unstack()
shares = counts.div(counts.sum(axis=1), axis=0)
print(shares.round(3))

# %%
# Valence distribution per domain
# -------------------------------
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
bins = np.linspace(-4, 4, 33)
for domain, group in frame.groupby("domain", observed=True):
    axes[0].hist(
        group["valence"], bins=bins, histtype="step", density=True, label=domain
    )
axes[0].axvline(-0.5, color="grey", lw=0.8, ls="--")
axes[0].axvline(0.5, color="grey", lw=0.8, ls="--")
axes[0].set_xlabel("mean human valence")
axes[0].set_ylabel("density")
axes[0].legend()
shares.plot.barh(stacked=True, ax=axes[1], color=["#c0504d", "#bbbbbb", "#4f81bd"])
axes[1].set_xlabel("share of sentences")
axes[1].legend(loc="lower right", fontsize=8)
fig.tight_layout()
plt.show()
