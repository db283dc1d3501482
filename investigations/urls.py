from django.urls import path

from investigations.api import alerts, explore, tags, views

urlpatterns = [
    path("cases/", views.CaseListApi.as_view(), name="case-list"),
    path("cases/<int:case_id>/", views.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:case_id>/transition/", views.CaseTransitionApi.as_view(), name="case-transition"),
    path("cases/<int:case_id>/subjects/", views.SubjectAddApi.as_view(), name="case-subjects"),
    path("cases/<int:case_id>/notes/", views.NoteAddApi.as_view(), name="case-notes"),
    path("cases/<int:case_id>/evidence/files/", views.EvidenceFileApi.as_view(), name="case-evidence-file"),
    path("cases/<int:case_id>/evidence/snapshots/", views.EvidenceSnapshotApi.as_view(), name="case-evidence-snapshot"),
    path("cases/<int:case_id>/approvals/", views.ApprovalRequestApi.as_view(), name="case-approvals"),
    path("cases/<int:case_id>/audit/", views.CaseAuditApi.as_view(), name="case-audit"),
    path("approvals/<int:approval_id>/decide/", views.ApprovalDecideApi.as_view(), name="approval-decide"),
    path("alerts/", alerts.AlertListApi.as_view(), name="alert-list"),
    path("alerts/bulk/", alerts.AlertBulkApi.as_view(), name="alert-bulk"),
    path("alerts/<int:alert_id>/escalate/", alerts.AlertEscalateApi.as_view(), name="alert-escalate"),
    path("queue/clusters/", alerts.FlaggedClustersApi.as_view(), name="flagged-clusters"),
    path("watchlists/", alerts.WatchlistListApi.as_view(), name="watchlist-list"),
    path("watchlists/<int:watchlist_id>/entries/", alerts.WatchEntryListApi.as_view(), name="watch-entries"),
    path(
        "watchlists/<int:watchlist_id>/entries/<int:entry_id>/",
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
    path("transactions/<str:txid>/", explore.TransactionApi.as_view(), name="transaction-detail"),
    path("paths/", explore.PathsApi.as_view(), name="paths"),
    path("search/", explore.SearchApi.as_view(), name="search"),
    path("taxonomy/", tags.TaxonomyApi.as_view(), name="taxonomy"),
]
