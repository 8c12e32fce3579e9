"""sote-analytics: järjestötieto for Finland's social- and health-sector associations.

The data flow is one way: ``reference`` (geography) and ``register`` (read and
clean) -> ``taxonomy`` (sectors) -> ``indicators`` -> ``figures`` ->
``report`` (notebooks and HTML). Importing the package has no side effects
and imports nothing heavy.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
