"""The experience behind the green: the work time tickets cost people (lost time) and the
watermelon warning (SLA green, happiness or lost time red). docs/feedback.md#lost-time,
docs/board.md#green-outside-red-inside."""
