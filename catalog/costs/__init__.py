"""Cost of provision shown back: each service's annual cost as structured drivers, shared out
to the business units it serves by a rule per service (equal shares, headcount, ticket volume)."""
