"""Disclosure control: tabulation, primary and secondary suppression, audit by
linear programming, and cell-key perturbation / random rounding.

Knows nothing about geometry; area hierarchies come from the area registry.
"""
