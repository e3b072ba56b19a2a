"""``python -m hashstack.telemetry.simulator fleet --miners N ...`` (same as ``hashstack sim fleet``)."""

from hashstack.telemetry.simulator.cli import main

main()
