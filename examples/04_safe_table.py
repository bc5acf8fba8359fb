"""
A disclosure-safe table
=======================

Tabulate, protect with secondary suppression, audit by linear programming.
"""
import segstat

register = segstat.datasets.synthetic_register(20_000, rng=4)  # SYNTHETIC data on real geography
placed = segstat.locate(register, vintage=2025, append=True)  # the register + its areas; carries the vintage
recipients = placed[placed["sickness_benefit"] == 1]
# recipients by kommun x age band: small cells are hidden (primary) and so are the cells that would give
# them away through the kommun and age totals (secondary)
table = segstat.tabulate(recipients, by=["kommun", "age_band"])  # vintage 2025 read from the data
protected = segstat.protect(table, min_count=5)
print(protected)
print(segstat.audit(protected))
print(protected.to_frame(symbol="..").head(8))
print(protected.method_note("en"))
