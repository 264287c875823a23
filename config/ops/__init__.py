"""Operations: liveness and readiness, the database-down 503, request ids and JSON logs, and the
Prometheus metrics. docs/deploy.md describes them for whoever runs Accord."""
