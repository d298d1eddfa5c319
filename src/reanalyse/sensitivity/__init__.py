"""Prior sensitivity: grids of posterior summaries across priors, and tipping points."""

from reanalyse.sensitivity.cell import CELL_VARIABLES, exact_cell, summarise_exact
from reanalyse.sensitivity.grid import assemble_grid
from reanalyse.sensitivity.tipping import TippingPoint, tipping_points

__all__ = ["CELL_VARIABLES", "TippingPoint", "assemble_grid", "exact_cell", "summarise_exact", "tipping_points"]
