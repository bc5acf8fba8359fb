"""Rates, standardisation, disparity across groups and segregation indices.

Measures take plain counts (events, populations, group totals per area) and
never need geometry or disclosure control.
"""
