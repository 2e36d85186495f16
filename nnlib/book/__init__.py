"""The book's machinery: the chapter runner, reports, claims, the bill, the draw-page export,
the speed benchmark and baselines, and the helpers of single chapters."""
