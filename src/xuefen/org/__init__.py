"""Organisation tree, teachers, roles and the region ↔ policy bindings.

Also home of the one scoping primitive (:mod:`xuefen.org.scoping`) every other app uses.
"""
