"""Deliverables: master, distribution, mobile, poster and contact sheet, with conformance checks.

Entry points: :func:`shotcraft.deliver.deliver.deliver` and
:func:`shotcraft.deliver.conformance.check_file` / ``check_deliverable``.
"""
