from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """Staff pages that read across apps: the patient list with triage, the chart, the audit
    trail and the export. They sit above patients, measures and alerts so that those apps
    never have to import each other to draw a page."""

    name = "ketacare.dashboard"
    label = "dashboard"
    verbose_name = "Staff pages across the record"
