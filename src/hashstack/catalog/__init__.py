"""ASIC model catalogue (a source per row) and tuning curves."""

from hashstack.catalog.models import AsicModel, Catalog, load_catalog, read_catalog, tuning_curve
from hashstack.catalog.tuning import TuningCurve

__all__ = ["AsicModel", "Catalog", "TuningCurve", "load_catalog", "read_catalog", "tuning_curve"]
