"""
A report from one's own results
===============================

Protect a table, compute rates and disparity by områdestyp, and write them all with ``segstat.report``:
an HTML page that opens offline, an Excel workbook (numbers as numbers, ".." only where suppressed) and
the figures. Swedish by default; ``lang="en"`` for English.
"""
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import segstat

rng = np.random.default_rng(7)
people = pd.DataFrame({
    "kommun": rng.choice(["1480", "1401", "1402"], 600, p=[0.7, 0.2, 0.1]),
    "age_group": rng.choice(["16-29 år", "30-49 år", "50-64 år"], 600),
})
table = segstat.tabulate(people, by=["kommun", "age_group"], vintage=2025)
protected = segstat.protect(table, min_count=5)

counts = pd.DataFrame({"omradestyp": [1, 2, 3, 4, 5], "cases": [60, 40, 60, 70, 20],
                       "persons": [1500, 1200, 2500, 3500, 1500]})
rates = segstat.rates(counts, events="cases", population="persons", by="omradestyp")
gaps = segstat.disparity(counts, events="cases", population="persons", subgroup="omradestyp",
                         order=[1, 2, 3, 4, 5])

out = Path(tempfile.mkdtemp()) / "rapport"
files = segstat.report({"Personer efter kommun och ålder": protected, "Sjukpenning per 1 000": rates,
                        "Skillnader mellan områdestyperna": gaps},
                       out=out, title="Sjukpenning 2024", sources=["Egna beräkningar"])
print(files.html.name, files.excel.name, [f.name for f in files.figures])
print(pd.read_excel(files.excel, sheet_name="Sjukpenning per 1 000").to_string(index=False))

# %%
# The figure the report embeds (rates from zero, områdestyp in its palette)
import matplotlib.pyplot as plt  # noqa: E402

img = plt.imread(files.figures[0])
fig, ax = plt.subplots(figsize=(7, 4))
ax.imshow(img)
ax.set_axis_off()
