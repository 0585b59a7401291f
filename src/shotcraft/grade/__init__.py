"""The cross-shot grade: colour ops in the seed's order, baked to one 3D LUT per shot, plus film grain.

Entry points: :func:`shotcraft.grade.plan.plan_grade` (plan + cut -> GradePlan, whose
``transform`` grades frames) and :func:`shotcraft.grade.export.export_cubes`.
"""
