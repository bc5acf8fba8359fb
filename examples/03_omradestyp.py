"""
Områdestyp
==========

Official områdestyp per RegSO on a map, and SCB's classification method on made-up index values.
"""
import segstat

official = segstat.omradestyp(segstat.areas("regso", vintage=2020)["code"], year=2023)
print("RegSO per type 2023:", official.value_counts().sort_index().tolist())
result = segstat.classify_areas([12.0, 14.5, 18.0, 25.0, 31.0, 8.0, 10.0, 16.0])
print(result)
print(result.to_frame().round(2))

# %%
# The map of Göteborgsregionen (RegSO 2025) by official områdestyp, with an inset of the centre
import pandas as pd  # noqa: E402

from segstat.publish.figures import omradestyp_map  # noqa: E402

regso = segstat.boundaries("regso", vintage=2025)
types = segstat.omradestyp(pd.Series(regso.codes), year=2023, vintage=2025)
fig = omradestyp_map(list(regso.codes), regso.polygons, types.astype(int), year=2023, lang="sv")
print(f"{len(regso.codes)} RegSO drawn")
