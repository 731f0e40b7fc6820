"""
==================================================
Proportional committees from approval ballots
==================================================

Approval ballots are the most common input of committee elections: each
voter marks the candidates it approves of, as many or as few as it likes.
:class:`sklweights.selection.FairCommitteeSelector` reads a 0/1 matrix with
``input="utilities"`` and scores it with the Thiele rules exactly as
abcvoting defines them (AV, SAV, PAV, Chamberlin-Courant, SLAV, any OWA
vector), for ballots of any size, empty ones included. Unlike abcvoting, it
also takes group bounds on the committee.

Here 80 voters approve between 0 and 8 of 16 candidates. Eight candidates
belong to group "B", which fewer voters approve of. We compare the PAV
committee of 6 with and without the bound "at least 2 members from B", and
list every committee that ties for the optimum.
"""

# %%
# An approval profile with ballots of varying size
# -------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from sklweights.selection import FairCommitteeSelector, committee_score

rng = np.random.default_rng(0)
n_voters, n_candidates, k = 80, 16, 6
groups = np.array(["A"] * 8 + ["B"] * 8)
popularity = np.where(groups == "A", 0.35, 0.12)
sizes = rng.integers(0, 9, n_voters)  # ballot sizes 0..8
A = np.zeros((n_voters, n_candidates), dtype=int)
for v, size in enumerate(sizes):
    p = popularity / popularity.sum()
    A[v, rng.choice(n_candidates, size, replace=False, p=p)] = 1
print(f"ballot sizes: {np.bincount(sizes).tolist()} (index = size)")

# %%
# PAV with and without a group bound
# ----------------------------------
plain = FairCommitteeSelector(k, rule="pav", input="utilities", max_committees=50)
plain.fit(A)
fair = FairCommitteeSelector(
    k,
    rule="pav",
    input="utilities",
    candidate_groups=groups,
    group_bounds={"B": (2, None)},
    max_committees=50,
)
fair.fit(A)

rows = []
for name, sel in (("PAV", plain), ("PAV, >= 2 from B", fair)):
    av = committee_score(A, sel.selected_, rule="av", input="utilities")
    rows.append(
        (
            name,
            sel.selected_.tolist(),
            sel.group_counts_ or {"B": int((groups[sel.selected_] == "B").sum())},
            sel.objective_,
            av,
            len(sel.committees_),
        )
    )
print(f"{'rule':<18} {'committee':<22} {'B':>2} {'PAV':>7} {'AV':>5} {'ties':>5}")
for name, W, counts, pav, av, ties in rows:
    print(f"{name:<18} {str(W):<22} {counts['B']:>2} {pav:7.2f} {av:5.0f} {ties:5d}")

# %%
# The bound costs a little PAV score and buys representation for group B.
# ``committees_`` lists every optimal committee (``committees_complete_``
# says whether the list is whole); ties are decided in exact arithmetic.
approvals = A.sum(axis=0)
x = np.arange(n_candidates)
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.bar(x, approvals, color=np.where(groups == "A", "tab:blue", "tab:orange"))
ax.scatter(
    plain.selected_, approvals[plain.selected_] + 1.5, marker="v", c="k", label="PAV"
)
ax.scatter(
    fair.selected_,
    approvals[fair.selected_] + 3.5,
    marker="*",
    c="tab:red",
    s=80,
    label="PAV, >= 2 from B",
)
ax.set_xticks(x, [f"{g}{i}" for i, g in enumerate(groups)], fontsize=7)
ax.set_ylabel("approvals")
ax.set_title("Approvals per candidate (blue: group A, orange: group B)")
ax.legend(loc="upper right")
fig.tight_layout()
plt.show()
