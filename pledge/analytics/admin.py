"""The analytics dashboard in the staff admin: charts and a CSV export of aggregates (C7).

Shown as the change list of the aggregate cells, so the admin's own permission
(``analytics.view_dailycount``, given to the marketing role) decides who sees it.
Nothing can be added, changed or deleted here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from .dashboard import DashboardForm, dashboard
from .models import DailyCount
from .report import export_cells


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(DailyCount)
class AnalyticsDashboard(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        export = path(
            "export.csv",
            self.admin_site.admin_view(self.export_csv),
            name="analytics_dailycount_export",
        )
        return [export, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DashboardForm(request.GET or None)
        context = {
            **self.admin_site.each_context(request),
            "title": "Site analytics",
            "opts": self.model._meta,
            "form": form,
            "query": request.GET.urlencode(),
            **dashboard(form),
        }
        return TemplateResponse(request, "admin/analytics/dashboard.html", context)

    def export_csv(self, request: HttpRequest) -> StreamingHttpResponse:
        """The shown cells of the chosen sites and days, one CSV row each; never a
        cell under k (``report.export_cells``)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        sites, start, end, _ = DashboardForm(request.GET or None).choice()
        writer = csv.writer(_Echo())
        rows: Iterator[str] = (writer.writerow(row) for row in export_cells(sites, start, end))
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="analytics-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
        )
        return response
