"""Tests of tmass_mm.datasets (a package, so that its conftest does not
replace the root ``conftest`` module other tests import from)."""
