"""The success measures of an agreement version in the portal: listed on the agreement page,
grouped by success factor, and edited on a draft (views in portal/views/measure_definitions.py)."""
