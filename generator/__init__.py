"""Kabar: a static status-page generator."""

__version__ = "0.1.0"
# Where Kabar's source lives; `kabar init` pins a site's workflows to git+SOURCE@v<version>
# (pyproject.toml's Source URL says the same; a test keeps them equal).
SOURCE = "https://github.com/kabar-status/kabar"
