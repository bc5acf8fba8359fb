"""Residential segregation by kommun from SCB's real DeSO table (Swedish/foreign background, 2022-12-31)."""
import segstat

bg = segstat.population("deso", by="background").pivot(index="deso", columns="background",
                                                       values="population").reset_index()
bg["total"] = bg["swedish"] + bg["foreign"]
bg["kommun"] = segstat.to_level(bg["deso"], "kommun", vintage=2018)
big = bg[bg["kommun"].isin(["0180", "1480", "1280", "0380"])]
result = segstat.dissimilarity(big, group="foreign", total="total", by="kommun", ci="bootstrap", rng=1)
print(result[["kommun", "estimate", "lower", "upper", "n_areas"]].round(4).to_string(index=False))
print(segstat.segregation_test(big[big["kommun"] == "1480"], group="foreign", total="total", n_resamples=199, rng=1))
