"""Governance: committees, proposals and their votes, polls and surveys.

Modules: `committees` (membership with history), `proposals` (drafting, opening, withdrawing),
`ballots` (casting, changing, retracting), `tally` (pure counting), `receipts` (secret ballot
receipts), `closing` (closing exactly once, publishing the outcome), `polls`, `surveys`.
"""
