"""
Areas, codes and vintages
=========================

List RegSO, clean codes, map DeSO to RegSO, move counts between vintages.
"""
import pandas as pd

import segstat

regso = segstat.areas("regso", vintage=2025)
print(f"{len(regso)} RegSO 2025; first: {regso.iloc[0].tolist()}")
print("cleaned:", segstat.normalize_codes([" 0114c1061", "0114C1062_DeSO2025"], "deso").tolist())
print("DeSO -> RegSO:", segstat.to_level(["0114C1061", "0114C1062"], "regso", vintage=2025).tolist())
split = pd.DataFrame({"deso": ["0114C1061", "0114C1062"], "persons": [1200, 900]})
moved = segstat.crosswalk(split, area="deso", counts="persons", from_vintage=2025, to_vintage=2018)
print("back to DeSO 2018:", moved.data.to_dict("records"), moved.report["method"].tolist())
