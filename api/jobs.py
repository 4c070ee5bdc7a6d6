"""Imports every module that registers periodic jobs (`api.runtime.periodic`)."""
