"""Official områdestyp per RegSO, and SCB's classification method on made-up index values."""
import segstat

official = segstat.omradestyp(segstat.areas("regso", vintage=2020)["code"], year=2023)
print("RegSO per type 2023:", official.value_counts().sort_index().tolist())
result = segstat.classify_areas([12.0, 14.5, 18.0, 25.0, 31.0, 8.0, 10.0, 16.0])
print(result)
print(result.to_frame().round(2))
