"""The matter catalog (事项清单 / 实施清单): matters, versions, materials, steps, theme services."""
