"""
Disparity across områdestyper
=============================

HEAT's summary measures with intervals, and the rates drawn from zero.
"""
import pandas as pd

import segstat

counts = pd.DataFrame({"omradestyp": pd.Categorical([1, 2, 3, 4, 5], ordered=True),
                       "cases": [600, 400, 600, 700, 200], "persons": [15000, 12000, 25000, 35000, 15000]})
print(segstat.rates(counts, events="cases", population="persons", by="omradestyp").round(2))
print(segstat.disparity(counts, events="cases", population="persons", rng=1)[
    ["measure", "estimate", "lower", "upper", "method"]].round(3).to_string(index=False))

# %%
# The rates by områdestyp, from zero, with their intervals
from segstat.publish.figures import rates_chart  # noqa: E402

rates = segstat.rates(counts, events="cases", population="persons", by="omradestyp")
fig = rates_chart(rates, ["omradestyp"], per=1000, title="Fall", lang="sv", level=95)
