"""School and teacher assessments (考核): rounds, the filled sheets, and the school's result.

The county opens a **round** for a period with a sheet (a bundled or uploaded sheet file,
validated by the engine's sheet schema), a self-evaluation window, peer assignments (互比互学:
school → school, inside a window) and an on-site evaluation. Each school's **sheet** keeps
one column per evaluator (self, peer, county), each filled, submitted, returned and final
as workflow transitions (:mod:`.workflow`). Finalizing a school's sheet stores its result
once as a fact of the school and period (:class:`~.models.SchoolAssessment`: score,
rectification score, passed); the results listen to that event and recompute every teacher
of the school, whose school-based credits the engine then gates (文成: above 120).
"""
