"""The feedback app's API endpoints (under /api/v1/)."""
