"""The pages people use: login, each role's home, teacher and record pages.

Views read through the scoping helper (:mod:`xuefen.org.scoping`) and show what the
results service (:mod:`xuefen.results.services`) says; they never compute a number.
"""
