from django.urls import path

import investigations.urls  # noqa: F401 - registers the `id` path converter
from graphml import api

urlpatterns = [
    path("labeling/jobs/", api.LabelingJobsApi.as_view(), name="labeling-jobs"),
    path("labeling/state/", api.LabelingStateApi.as_view(), name="labeling-state"),
    path("labeling/models/", api.ModelsApi.as_view(), name="labeling-models"),
    path("labeling/models/<id:version>/plots/<str:name>.png", api.ModelPlotApi.as_view(), name="labeling-plot"),
    path("labeling/risk-distribution/", api.RiskDistributionApi.as_view(), name="labeling-risk-distribution"),
    path("labeling/reasons/addresses/<str:address>/", api.AddressReasonsApi.as_view(), name="labeling-address-reasons"),
    path(
        "labeling/reasons/clusters/<str:cluster_id>/", api.ClusterReasonsApi.as_view(), name="labeling-cluster-reasons"
    ),
]
