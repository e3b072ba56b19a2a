"""hashstack: the machine floor joined to the balance sheet for Bitcoin miners."""

__version__ = "0.1.0"
