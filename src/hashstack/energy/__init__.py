"""Electricity prices for miners: loaders, day-ahead forecasters, evaluation (and scheduling).

Loaders (edges): :mod:`hashstack.energy.ercot`, :mod:`hashstack.energy.epftoolbox`,
:mod:`hashstack.energy.live` (optional ``gridstatus`` extra). Science: :mod:`hashstack.energy.forecast`
(forecasters behind one fit/predict interface) and :mod:`hashstack.energy.evaluation` (the
epftoolbox protocol, metrics and the Diebold-Mariano test).
"""
