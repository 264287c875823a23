"""The scorecard on the service page and the maturity of agreements."""
