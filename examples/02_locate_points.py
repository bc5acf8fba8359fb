"""
Place points in DeSO
====================

Place points (WGS84) in DeSO 2025 with the bundled Göteborgsregionen boundaries; every row is accounted for.
"""
import warnings

import pandas as pd

import segstat

points = pd.DataFrame({"lon": [11.9733, 12.0, 11.5, None], "lat": [57.7089, 57.7, 59.0, 57.7]},
                      index=["centralen", "överås", "outside region", "missing"])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    placed = segstat.locate(points, x="lon", y="lat", crs="EPSG:4326", vintage=2025)
print(placed)
print(placed.attrs["segstat_locate"])
for w in caught:
    print("warning:", w.message)
