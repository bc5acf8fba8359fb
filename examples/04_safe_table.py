"""A disclosure-safe table: tabulate, protect with secondary suppression, audit by linear programming."""
import segstat

register = segstat.datasets.synthetic_register(20_000, seed=4)  # SYNTHETIC data on real geography
placed = segstat.locate(register).join(register)
placed["regso"] = placed["regso"].astype(str)
table = segstat.tabulate(placed[placed["sickness_benefit"] == 1], by=["regso"], vintage=2025)
protected = segstat.protect(table, min_count=5)
print(protected)
print(segstat.audit(protected))
print(protected.to_frame(symbol="..").tail(5))
print(protected.method_note("en"))
