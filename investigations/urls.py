from django.urls import path

from investigations.api import tags, views

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
    path("tags/", tags.TagListApi.as_view(), name="tag-list"),
    path("tags/<str:key>/", tags.TagDetailApi.as_view(), name="tag-detail"),
    path("tagpacks/", tags.TagPackListApi.as_view(), name="tagpack-list"),
    path("tagpacks/<path:pack>/export/", tags.TagPackExportApi.as_view(), name="tagpack-export"),
    path("taxonomy/", tags.TaxonomyApi.as_view(), name="taxonomy"),
]
