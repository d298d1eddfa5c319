"""Prior sensitivity: grids of posterior summaries across priors, and tipping points."""

from reanalyse.sensitivity.cell import (
    CELL_VARIABLES,
    exact_cell,
    exact_cells,
    summarise_exact,
    summarise_stacked,
)
from reanalyse.sensitivity.grid import assemble_grid
from reanalyse.sensitivity.tipping import TippingPoint, tipping_points

__all__ = ["CELL_VARIABLES", "TippingPoint", "assemble_grid", "exact_cell", "exact_cells",
           "summarise_exact", "summarise_stacked", "tipping_points"]
