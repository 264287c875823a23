"""The portal's form of a service's cost: its drivers and allocation rule (catalog/costs)."""
