"""
Segregation by kommun
=====================

Residential segregation by kommun from SCB's real DeSO table (Swedish/foreign background, 2022-12-31).
"""
import segstat

bg = segstat.population("deso", by="background", vintage=2018).pivot(index="deso", columns="background",
                                                       values="population").reset_index()
bg["total"] = bg["swedish"] + bg["foreign"]
bg["kommun"] = segstat.to_level(bg["deso"], "kommun", vintage=2018)
big = bg[bg["kommun"].isin(["0180", "1480", "1280", "0380"])]
result = segstat.dissimilarity(big, group="foreign", total="total", by="kommun", ci="bootstrap", rng=1)
print(result[["kommun", "estimate", "lower", "upper", "n_areas"]].round(4).to_string(index=False))
# Göteborg alone: the same columns, one row; with rng=1 its interval equals its row above
gbg = big[big["kommun"] == "1480"]
print(segstat.dissimilarity(gbg, group="foreign", total="total", ci="bootstrap", rng=1).round(4).to_string(index=False))
test = segstat.segregation_test(gbg, group="foreign", total="total", n_resamples=199, rng=1)
print(test[["index", "estimate", "p_value", "lower", "upper"]].round(4).to_string(index=False))
