from django.urls import path

from investigations.api import views

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
]
