"""Results: what the policy engine computes from a teacher's records, cached.

Data flows one way: records → engine → results → pages and exports. The cache holds the
engine's JSON; it is derivable, never edited by hand, and can be dropped at any time.
"""
