"""Area codes, the DeSO/RegSO/kommun/län registry, crosswalks between vintages,
boundaries and point location. Knows nothing about disclosure control."""
