"""The ASIC model catalogue shipped with hashstack (``catalog/data/asic_models.csv``).

Each row keeps its ``source`` and ``confidence`` columns from the compiled dataset; see
``docs/catalog.md`` for the checks made before shipping and the rows left out.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hashstack.catalog.tuning import HASHRATE_MAX_FRAC_AIR, HASHRATE_MAX_FRAC_LIQUID, TuningCurve
from hashstack.errors import DataFileError, UnknownModelError

REQUIRED_COLUMNS = ("manufacturer", "model", "release_year", "hashrate_ths", "power_w",
                    "efficiency_j_per_th", "cooling", "confidence", "source")
COOLING_KINDS = frozenset({"air", "hydro", "immersion"})


@dataclass(frozen=True, slots=True)
class AsicModel:
    """One ASIC model at its stock operating point."""

    manufacturer: str
    model: str
    release_year: int
    hashrate_ths: float
    power_w: float
    efficiency_j_per_th: float
    cooling: str
    confidence: str
    source: str
    notes: str = ""


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch == "+")


class Catalog:
    """ASIC models by name; lookup ignores case, spaces and punctuation, with or without the maker."""

    def __init__(self, models: list[AsicModel]) -> None:
        self._models = list(models)
        self._by_key: dict[str, AsicModel] = {}
        for m in self._models:
            self._by_key[_key(m.model)] = m
            self._by_key[_key(f"{m.manufacturer} {m.model}")] = m

    def __iter__(self) -> Iterator[AsicModel]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _key(name) in self._by_key

    def models(self) -> list[AsicModel]:
        """Every model, in file order."""
        return list(self._models)

    def get(self, name: str) -> AsicModel:
        """The model called ``name``; :class:`UnknownModelError` if there is none."""
        try:
            return self._by_key[_key(name)]
        except KeyError:
            raise UnknownModelError(name, [m.model for m in self._models]) from None


def tuning_curve(model: AsicModel) -> TuningCurve:
    """The tuning curve of ``model`` (see :mod:`hashstack.catalog.tuning` for the physics)."""
    max_frac = HASHRATE_MAX_FRAC_AIR if model.cooling == "air" else HASHRATE_MAX_FRAC_LIQUID
    return TuningCurve(model=model.model, hashrate_nominal_ths=model.hashrate_ths,
                       power_nominal_w=model.power_w, hashrate_max_frac=max_frac)


def read_catalog(path: str | Path) -> Catalog:
    """Read and check a catalogue CSV in the shipped schema.

    Every row must have a model, positive hash rate and power, an efficiency within 1% of
    power / hash rate, a known cooling kind and a source. Errors name the file, row and field.
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as fh:
        return _parse(fh.read().splitlines(), path)


def _parse(lines: list[str], path: Path) -> Catalog:
    reader = csv.DictReader(lines)
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataFileError(path, f"missing column(s) {missing}", row=None, field=missing[0])
    models: list[AsicModel] = []
    seen: set[str] = set()
    for i, row in enumerate(reader, start=1):
        def num(field: str, row: dict[str, str] = row, i: int = i) -> float:
            text = (row.get(field) or "").strip()
            try:
                value = float(text)
            except ValueError:
                raise DataFileError(path, f"not a number: {text!r}", row=i, field=field) from None
            if value <= 0:
                raise DataFileError(path, f"must be > 0, got {value}", row=i, field=field)
            return value

        name = (row.get("model") or "").strip()
        if not name:
            raise DataFileError(path, "empty model name", row=i, field="model")
        if _key(name) in seen:
            raise DataFileError(path, f"duplicate model {name!r}", row=i, field="model")
        seen.add(_key(name))
        hashrate, power, eff = num("hashrate_ths"), num("power_w"), num("efficiency_j_per_th")
        if abs(power / hashrate - eff) > 0.01 * eff:
            raise DataFileError(path, f"efficiency {eff} J/TH disagrees with power/hash rate "
                                      f"{power / hashrate:.2f} J/TH", row=i, field="efficiency_j_per_th")
        cooling = (row.get("cooling") or "").strip()
        if cooling not in COOLING_KINDS:
            raise DataFileError(path, f"cooling must be one of {sorted(COOLING_KINDS)}, got {cooling!r}",
                                row=i, field="cooling")
        if not (row.get("source") or "").strip():
            raise DataFileError(path, "every row needs a source", row=i, field="source")
        models.append(AsicModel(
            manufacturer=row["manufacturer"].strip(), model=name, release_year=int(num("release_year")),
            hashrate_ths=hashrate, power_w=power, efficiency_j_per_th=eff, cooling=cooling,
            confidence=row["confidence"].strip(), source=row["source"].strip(),
            notes=(row.get("notes") or "").strip(),
        ))
    return Catalog(models)


def load_catalog() -> Catalog:
    """The catalogue shipped in the package."""
    ref = resources.files("hashstack.catalog").joinpath("data", "asic_models.csv")
    return _parse(ref.read_text(encoding="utf-8").splitlines(), Path(str(ref)))
