"""The service review: the document both sides bring to the monthly (or quarterly) meeting.

Per service, or per business unit across its services, for a month or a quarter: what was
agreed, what happened, the misses and their causes, the actions agreed (and how the last
review's went), and what comes next. See docs/reviews.md.
"""
