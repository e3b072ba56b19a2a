"""A site's allocation problem: miners, their derated operating points and the nested caps.

The site TOML (:func:`hashstack.fleet.read_site`) gives the fleet by model and count and the site
capacity. An optional *power layout* TOML places the miners in containers (and containers under
transformers), with electrical caps, thermal caps, inlet temperatures and health::

    [[transformer]]
    name = "T1"
    cap_kw = 25000

    [[container]]
    name = "C01"
    transformer = "T1"        # optional
    cap_kw = 1000
    thermal_cap_kw = 950      # optional: heat the cooling can reject
    temp_inlet_c = 33         # optional: inlet air temperature (derates the ceiling)
    miners = [{ model = "Antminer S21", count = 250, health_frac = 0.97 }]

Miners of the site that no container lists hang directly under the site cap. A container may not list
more machines of a model than the site has. Errors name the file, the line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from hashstack.catalog import Catalog, load_catalog, tuning_curve
from hashstack.errors import DataFileError, InputError
from hashstack.fleet import Site
from hashstack.power.allocation import CapTree
from hashstack.power.operating_points import derated_points
from hashstack.tomlfile import array_table_line, read_toml_model

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_POINTS = 10


# ---- layout file (pydantic at the edge) -------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _GroupIn(_Strict):
    model: str
    count: int = Field(gt=0)
    health_frac: float = Field(default=1.0, gt=0, le=1)


class _TransformerIn(_Strict):
    name: str
    cap_kw: float = Field(gt=0)


class _ContainerIn(_Strict):
    name: str
    transformer: str | None = None
    cap_kw: float | None = Field(default=None, gt=0)
    thermal_cap_kw: float | None = Field(default=None, gt=0)
    temp_inlet_c: float | None = None
    miners: list[_GroupIn] = Field(min_length=1)


class _LayoutIn(_Strict):
    transformer: list[_TransformerIn] = []
    container: list[_ContainerIn] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class ContainerGroup:
    """Machines of one model in one container."""

    model: str
    count: int
    health_frac: float = 1.0


@dataclass(frozen=True, slots=True)
class Container:
    """A container (or any cap node under a transformer) with its miners."""

    name: str
    miners: tuple[ContainerGroup, ...]
    cap_w: float = float("inf")
    thermal_cap_w: float = float("inf")
    temp_inlet_c: float = float("nan")
    transformer: str | None = None


@dataclass(frozen=True, slots=True)
class Layout:
    """Transformers (name -> cap [W]) and containers of a site."""

    transformers: tuple[tuple[str, float], ...]
    containers: tuple[Container, ...]


def read_layout(path: str | Path) -> Layout:
    """Read a power layout TOML (see the module docstring); errors name file, line and field."""
    path = Path(path)
    text, parsed = read_toml_model(path, _LayoutIn, arrays=("container", "transformer"))
    transformers = {t.name: t.cap_kw * 1e3 for t in parsed.transformer}
    if len(transformers) != len(parsed.transformer):
        raise DataFileError(path, "transformer names must be unique", field="transformer.name")
    names: set[str] = set()
    containers = []
    for i, c in enumerate(parsed.container):
        row = array_table_line(text, "container", i)
        if c.name in names or c.name in transformers:
            raise DataFileError(path, f"duplicate node name {c.name!r}", row=row, field=f"container.{i}.name")
        names.add(c.name)
        if c.transformer is not None and c.transformer not in transformers:
            raise DataFileError(path, f"unknown transformer {c.transformer!r}", row=row,
                                field=f"container.{i}.transformer")
        containers.append(Container(
            name=c.name,
            miners=tuple(ContainerGroup(g.model, g.count, g.health_frac) for g in c.miners),
            cap_w=c.cap_kw * 1e3 if c.cap_kw is not None else float("inf"),
            thermal_cap_w=c.thermal_cap_kw * 1e3 if c.thermal_cap_kw is not None else float("inf"),
            temp_inlet_c=c.temp_inlet_c if c.temp_inlet_c is not None else float("nan"),
            transformer=c.transformer,
        ))
    return Layout(tuple(transformers.items()), tuple(containers))


# ---- the fleet as arrays ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SiteFleet:
    """Every miner of a site with its operating points and place in the cap tree.

    Attributes
    ----------
    model : model of each miner, ``(n_miners,)``
    container : container of each miner ("" = directly under the site), ``(n_miners,)``
    hashrate_ths, power_w : operating points after derating, ``(n_miners, n_points)``, NaN = not
        available [TH/s], [W]
    stock_hashrate_ths, stock_power_w : each miner's configured point from the site file, capped at its
        derated ceiling (NaN where the machine cannot run at all), ``(n_miners,)`` [TH/s], [W]
    tree : the nested caps (site, transformers, containers)
    nameplate_power_w : summed power of every machine at its configured point, before derating [W]
    """

    model: tuple[str, ...]
    container: tuple[str, ...]
    hashrate_ths: FloatArray
    power_w: FloatArray
    stock_hashrate_ths: FloatArray
    stock_power_w: FloatArray
    tree: CapTree
    nameplate_power_w: float

    @property
    def n_miners(self) -> int:
        """Number of miners."""
        return len(self.model)

    @property
    def max_power_w(self) -> float:
        """Summed power with every miner at its highest available point [W]."""
        return float(np.nansum(np.nanmax(np.where(np.isnan(self.power_w), -np.inf, self.power_w), axis=1)
                               .clip(min=0)))


def site_fleet(site: Site, layout: Layout | None = None, *, n_points: int = DEFAULT_POINTS,
               site_cap_w: float | None = None) -> SiteFleet:
    """Build the allocation inputs of ``site`` (and its optional power layout).

    Parameters
    ----------
    site : from :func:`hashstack.fleet.read_site`
    layout : containers and transformers (:func:`read_layout`); without one, a site cap only
    n_points : operating points sampled along each model's tuning curve
    site_cap_w : site cap [W]; default the site's power capacity
    """
    if n_points < 2:
        raise InputError("n_points must be >= 2")
    curves = {g.model: tuning_curve(g.asic) for g in site.miners if g.asic is not None}
    if len(curves) != len({g.model for g in site.miners}):
        raise InputError("every miner group of the site needs its catalogue model (read it with read_site)")
    remaining: dict[str, int] = {}
    stock_frac: dict[str, list[float]] = {}
    for g in site.miners:
        remaining[g.model] = remaining.get(g.model, 0) + g.count
        stock_frac.setdefault(g.model, []).extend([g.tuning_frac] * g.count)
    # rows: (model, container index or -1, health, inlet temperature, count)
    rows: list[tuple[str, int, float, float, int]] = []
    names = ["site"]
    parent = [-1]
    caps = [site.power_capacity_mw * 1e6 if site_cap_w is None else float(site_cap_w)]
    thermal = [float("inf")]
    container_node: list[int] = []
    if layout is not None:
        catalog = load_catalog()
        tnode = {}
        for tname, tcap in layout.transformers:
            tnode[tname] = len(names)
            names.append(tname)
            parent.append(0)
            caps.append(tcap)
            thermal.append(float("inf"))
        for c in layout.containers:
            container_node.append(len(names))
            names.append(c.name)
            parent.append(tnode[c.transformer] if c.transformer is not None else 0)
            caps.append(c.cap_w)
            thermal.append(c.thermal_cap_w)
        for ci, c in enumerate(layout.containers):
            for grp in c.miners:
                key = _site_model(grp.model, remaining, catalog)
                if key is None:
                    raise InputError(f"container {c.name!r}: the site has no {grp.model!r} miners")
                if grp.count > remaining[key]:
                    raise InputError(f"container {c.name!r}: {grp.count} x {grp.model} but only "
                                     f"{remaining[key]} left on the site")
                remaining[key] -= grp.count
                rows.append((key, ci, grp.health_frac, c.temp_inlet_c, grp.count))
    for model, left in remaining.items():
        if left:
            rows.append((model, -1, 1.0, float("nan"), left))
    model_col: list[str] = []
    container_col: list[str] = []
    miner_node_parts = []
    h_parts, p_parts, sh_parts, sp_parts = [], [], [], []
    used = dict.fromkeys(remaining, 0)
    nameplate_w = 0.0
    for model, ci, health, temp, count in rows:
        curve = curves[model]
        h, p = curve.operating_points(n_points)
        dh, dp = derated_points(h, p, health_frac=np.full(count, health), temp_inlet_c=np.full(count, temp))
        h_parts.append(dh)
        p_parts.append(dp)
        fr = np.asarray(stock_frac[model][used[model]:used[model] + count])
        used[model] += count
        sh = fr * curve.hashrate_nominal_ths
        sp = np.asarray(curve.power_w(sh), dtype=float)
        nameplate_w += float(sp.sum())
        # a machine that cannot reach its configured point runs at its ceiling (the top available point)
        ceiling_h = np.max(np.where(np.isnan(dh), -np.inf, dh), axis=1)
        ceiling_p = np.max(np.where(np.isnan(dp), -np.inf, dp), axis=1)
        out = sh > ceiling_h * (1 + 1e-9)
        dead = ~np.isfinite(ceiling_h)
        sh_parts.append(np.where(dead, np.nan, np.where(out, ceiling_h, sh)))
        sp_parts.append(np.where(dead, np.nan, np.where(out, ceiling_p, sp)))
        model_col += [model] * count
        container_col += [layout.containers[ci].name if (layout is not None and ci >= 0) else ""] * count
        miner_node_parts.append(np.full(count, container_node[ci] if ci >= 0 else 0, dtype=np.int64))
    tree = CapTree(tuple(names), np.asarray(parent, dtype=np.int64), np.asarray(caps, dtype=float),
                   np.asarray(thermal, dtype=float), np.concatenate(miner_node_parts))
    return SiteFleet(tuple(model_col), tuple(container_col), np.concatenate(h_parts), np.concatenate(p_parts),
                     np.concatenate(sh_parts), np.concatenate(sp_parts), tree, nameplate_w)


def _site_model(name: str, site_models: dict[str, int], catalog: Catalog) -> str | None:
    """The site's model a layout entry names (catalogue lookup: case, spacing and maker optional)."""
    if name not in catalog:
        return None
    model = catalog.get(name).model
    return model if model in site_models else None


def example_layout_path() -> Path:
    """Path of the shipped power layout of the example site (a copy of ``examples/site_layout.toml``)."""
    from importlib import resources

    return Path(str(resources.files("hashstack.power").joinpath("data", "site_layout.toml")))
