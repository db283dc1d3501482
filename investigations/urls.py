from django.urls import path, re_path, register_converter

from investigations.api import alerts, explore, inbox, reports, session, tags, team, views


class IdConverter:
    """A row id: at most 18 digits, so it fits the databases' 64-bit integers (a longer one is a 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("session/", session.SessionApi.as_view(), name="session"),
    path("cases/", views.CaseListApi.as_view(), name="case-list"),
    path("cases/<id:case_id>/", views.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<id:case_id>/transition/", views.CaseTransitionApi.as_view(), name="case-transition"),
    path("cases/<id:case_id>/verdict/", views.CaseVerdictApi.as_view(), name="case-verdict"),
    path("cases/<id:case_id>/subjects/", views.SubjectAddApi.as_view(), name="case-subjects"),
    path("cases/<id:case_id>/notes/", views.NoteAddApi.as_view(), name="case-notes"),
    path("cases/<id:case_id>/evidence/files/", views.EvidenceFileApi.as_view(), name="case-evidence-file"),
    path("cases/<id:case_id>/evidence/snapshots/", views.EvidenceSnapshotApi.as_view(), name="case-evidence-snapshot"),
    path("cases/<id:case_id>/approvals/", views.ApprovalRequestApi.as_view(), name="case-approvals"),
    path("cases/<id:case_id>/audit/", views.CaseAuditApi.as_view(), name="case-audit"),
    path("cases/<id:case_id>/reports/", reports.ReportListApi.as_view(), name="case-reports"),
    path(
        "cases/<id:case_id>/reports/<id:report_id>/retry/", reports.ReportRetryApi.as_view(), name="case-report-retry"
    ),
    re_path(
        r"^cases/(?P<case_id>[0-9]{1,18})/reports/(?P<report_id>[0-9]{1,18})/(?P<fmt>pdf|csv)/$",
        reports.ReportFileApi.as_view(),
        name="case-report-file",
    ),
    path("approvals/<id:approval_id>/decide/", views.ApprovalDecideApi.as_view(), name="approval-decide"),
    path("inbox/", inbox.InboxApi.as_view(), name="inbox"),
    path("inbox/count/", inbox.InboxCountApi.as_view(), name="inbox-count"),
    path("notifications/read/", inbox.NotificationsReadApi.as_view(), name="notifications-read"),
    path("team/members/", team.TeamMembersApi.as_view(), name="team-members"),
    path("team/members/<id:user_id>/", team.TeamMemberApi.as_view(), name="team-member"),
    path("team/members/<id:user_id>/invitation/", team.InvitationRenewApi.as_view(), name="team-member-invitation"),
    path("invitations/accept/", team.InvitationAcceptApi.as_view(), name="invitation-accept"),
    path("alerts/", alerts.AlertListApi.as_view(), name="alert-list"),
    path("alerts/bulk/", alerts.AlertBulkApi.as_view(), name="alert-bulk"),
    path("alerts/<id:alert_id>/escalate/", alerts.AlertEscalateApi.as_view(), name="alert-escalate"),
    path("queue/clusters/", alerts.FlaggedClustersApi.as_view(), name="flagged-clusters"),
    path("watchlists/", alerts.WatchlistListApi.as_view(), name="watchlist-list"),
    path("watchlists/<id:watchlist_id>/entries/", alerts.WatchEntryListApi.as_view(), name="watch-entries"),
    path(
        "watchlists/<id:watchlist_id>/entries/<id:entry_id>/",
        alerts.WatchEntryDetailApi.as_view(),
        name="watch-entry-detail",
    ),
    path("tags/", tags.TagListApi.as_view(), name="tag-list"),
    path("tags/<str:key>/", tags.TagDetailApi.as_view(), name="tag-detail"),
    path("tagpacks/", tags.TagPackListApi.as_view(), name="tagpack-list"),
    path("tagpacks/<path:pack>/export/", tags.TagPackExportApi.as_view(), name="tagpack-export"),
    path("addresses/<str:address>/", explore.AddressApi.as_view(), name="address-detail"),
    path("addresses/<str:address>/neighbours/", explore.NeighboursApi.as_view(), name="address-neighbours"),
    path("addresses/<str:address>/flows/", explore.FlowsApi.as_view(), name="address-flows"),
    path("clusters/<str:cluster_id>/", explore.ClusterApi.as_view(), name="cluster-detail"),
    path("clusters/<str:cluster_id>/transactions/", explore.ClusterTransactionsApi.as_view(), name="cluster-txs"),
    path("transactions/<str:txid>/", explore.TransactionApi.as_view(), name="transaction-detail"),
    path("paths/", explore.PathsApi.as_view(), name="paths"),
    path("search/", explore.SearchApi.as_view(), name="search"),
    path("taxonomy/", tags.TaxonomyApi.as_view(), name="taxonomy"),
]
